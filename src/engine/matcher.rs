//! Running the rules on one side of a file: tree-sitter queries on its syntax tree (parsed at
//! most once) and regexes on its text. Produces `RawMatch`es: byte ranges and capture texts.

use std::cell::RefCell;
use std::collections::HashMap;

use std::time::{Duration, Instant};

use streaming_iterator::StreamingIterator;
use tree_sitter::{Parser, QueryCursor, QueryCursorOptions, Tree};

use super::placeholder;
use super::text::SideText;
use crate::lang::Lang;
use crate::rules::compile::Count;
use crate::rules::compile::SecretFilter;
use crate::rules::{Matcher, RegexMatcher, Rule, RuleSet};

/// One match of one rule, before the diff semantics decide whether it is reported.
#[derive(Debug, Clone)]
pub struct RawMatch {
    pub rule: usize,
    pub start: usize,
    pub end: usize,
    /// Named captures (without `match`), in query order.
    pub captures: Vec<(String, String)>,
    /// The byte range of a secret, which every output redacts.
    pub secret: Option<(usize, usize)>,
    /// Whether the secret's checksum holds, for rules whose format has one.
    pub checksum_valid: Option<bool>,
    /// The secret holds a documentation run (`ABCDEFGH`, `a1b2c3d4`): still reported by a
    /// provider rule, at low confidence.
    pub looks_made_up: bool,
    /// For a counting rule: the name of the unit this match is (`count.key`) or belongs to
    /// (`count.within`).
    pub group: Option<String>,
    /// For a `count.within` rule: this is the unit itself (a test, at its name), not a member.
    pub scope: bool,
    /// For a fact rule: the fact's identity (kind, key, delta and the attributes the rule
    /// reads), which the fingerprint is made of instead of the matched text, so that a finding
    /// keeps its fingerprint wherever the change makes it land.
    pub identity: Option<String>,
}

impl RawMatch {
    /// A plain match of rule `rule` over `start..end`: no checksum, group or fact identity.
    pub fn at(
        rule: usize,
        (start, end): (usize, usize),
        captures: Vec<(String, String)>,
        secret: Option<(usize, usize)>,
    ) -> RawMatch {
        RawMatch {
            rule,
            start,
            end,
            captures,
            secret,
            checksum_valid: None,
            looks_made_up: false,
            group: None,
            scope: false,
            identity: None,
        }
    }
}

thread_local! {
    // One parser per language per worker thread: creating parsers is cheap, but not free.
    static PARSERS: RefCell<HashMap<Lang, Parser>> = RefCell::new(HashMap::new());
}

/// Parse a text; `None` when the grammar cannot be loaded or parsing is cut off. `old`: the
/// tree of an earlier version of the text, already edited to match it (`reparse`), whose
/// untouched subtrees the parser reuses.
pub fn parse(lang: Lang, text: &str, old: Option<&Tree>) -> Option<Tree> {
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let parser = match parsers.entry(lang) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let mut p = Parser::new();
                p.set_language(&lang.ts_language()).ok()?;
                v.insert(p)
            }
        };
        parser.parse(text, old)
    })
}

/// Shannon entropy of a string, in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts: HashMap<char, usize> = HashMap::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&c| {
            let p = c as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

/// Whether `s` has less entropy than `min` bits per character asks for. A string of n characters
/// holds at most log2(n) bits per character, so a fixed bar would reject every short password
/// (`4ian1234`: 2.75 bits, the most 8 characters can hold is 3); short strings are held to
/// 0.4 bits below their maximum instead.
pub fn too_plain(s: &str, min: f64) -> bool {
    let n = s.chars().count().max(1) as f64;
    entropy(s) < min.min(n.log2() - 0.4)
}

/// A match's identity across walks: its pattern, and each capture's index and extent.
type MatchKey = (usize, Vec<(u32, usize, usize)>);

/// In-progress matches the combined query of a language may hold at once, per rule in it.
/// Patterns with unordered siblings can otherwise grow quadratically on large objects (a
/// 10,000-key JSON file); real matches need few states, but every pattern of the language
/// keeps its own states at each level of a deeply nested file.
const MATCH_LIMIT_PER_RULE: u32 = 256;
/// Time one language's rules may spend on one side of one file before they are cut off.
const QUERY_BUDGET: Duration = Duration::from_secs(2);

/// Run the query rules `rule_ids` (all for `lang`) over a parsed tree, in one walk of the
/// combined query of `members` (`rules::plan`; a superset of `rule_ids`, the same for every
/// file of a scan, so the query is built once). Returns whether the walk was cut off (time budget
/// or match limit), so the caller can say so.
#[allow(clippy::too_many_arguments)]
pub fn run_queries(
    set: &RuleSet,
    members: &[usize],
    rule_ids: &[usize],
    lang: Lang,
    tree: &Tree,
    text: &SideText,
    ranges: Option<&[(usize, usize)]>,
    out: &mut Vec<RawMatch>,
) -> bool {
    let cell = set.plan(lang, members);
    let Some(plan) = cell.get().and_then(Option::as_ref) else {
        return false;
    };
    let rules = &set.rules;
    let src = text.text.as_bytes();
    // The matches of each wanted rule, in document order.
    let mut found: Vec<Option<Vec<RawMatch>>> = vec![None; rules.len()];
    for &ri in rule_ids {
        found[ri] = Some(Vec::new());
    }
    let mut cursor = QueryCursor::new();
    cursor.set_match_limit(MATCH_LIMIT_PER_RULE.saturating_mul(plan.rules.len().max(1) as u32));
    let clock = crate::timings::start();
    let names = plan.query.capture_names();
    let deadline = Instant::now() + QUERY_BUDGET;
    let mut timed_out = false;
    let mut over_time = |_: &tree_sitter::QueryCursorState| {
        timed_out = Instant::now() > deadline;
        timed_out
    };
    // The whole tree, or each range (`regions`); a match that reaches into two ranges is
    // returned for both, and kept once.
    let whole = [(0, src.len())];
    let walks = ranges.unwrap_or(&whole);
    let mut seen: std::collections::HashSet<MatchKey> = Default::default();
    for &(a, b) in walks {
        if ranges.is_some() {
            cursor.set_byte_range(a..b);
        }
        let options = QueryCursorOptions::new().progress_callback(&mut over_time);
        let mut matches = cursor.matches_with_options(&plan.query, tree.root_node(), src, options);
        while let Some(m) = matches.next() {
            if walks.len() > 1 {
                let key = (
                    m.pattern_index,
                    m.captures
                        .iter()
                        .map(|c| (c.index, c.node.start_byte(), c.node.end_byte()))
                        .collect(),
                );
                if !seen.insert(key) {
                    continue;
                }
            }
            let ri = plan.rule_of_pattern[m.pattern_index];
            let Some(bucket) = found[ri].as_mut() else {
                continue;
            };
            let Matcher::Query(qm) = &rules[ri].matcher else {
                continue;
            };
            if m.captures.is_empty() {
                continue;
            }
            let (start, end) = match plan
                .match_capture
                .and_then(|mi| m.captures.iter().find(|c| c.index == mi))
            {
                Some(c) => (c.node.start_byte(), c.node.end_byte()),
                None => (
                    m.captures
                        .iter()
                        .map(|c| c.node.start_byte())
                        .min()
                        .unwrap_or(0),
                    m.captures
                        .iter()
                        .map(|c| c.node.end_byte())
                        .max()
                        .unwrap_or(0),
                ),
            };
            if let Some(inner) = &qm.inner {
                if let Some(hay) = text.text.get(start..end) {
                    regex_matches(ri, inner, hay, start, bucket);
                }
                continue;
            }
            let mut captures = Vec::new();
            let mut secret = None;
            for c in m.captures {
                let name = names[c.index as usize];
                if Some(c.index) == plan.secret_capture {
                    secret = Some(string_body(src, c.node.start_byte(), c.node.end_byte()));
                }
                if name == "match" || name.starts_with('_') {
                    continue;
                }
                let t = c.node.utf8_text(src).unwrap_or_default().to_string();
                captures.push((name.to_string(), t));
            }
            if let Some((s, e)) = secret {
                let body = text.text.get(s..e).unwrap_or_default();
                if !passes(&qm.secret_filter, body) {
                    continue;
                }
            }
            bucket.push(RawMatch::at(ri, (start, end), captures, secret));
        }
        drop(matches);
        if cursor.did_exceed_match_limit() {
            break;
        }
    }
    if crate::timings::enabled() {
        crate::timings::add_rule(&format!("({lang} syntax rules, one walk)"), clock);
    }
    for &ri in rule_ids {
        // The units of a `count.within` rule are read also on a side with no member left (a
        // test whose every assertion is gone, a view stripped of its last decorator): that the
        // unit still exists is what makes the loss a finding.
        let within = matches!(rules[ri].count, Some(Count::Within(_)));
        let mut bucket = match found[ri].take() {
            Some(b) => b,
            None if within => Vec::new(),
            None => continue,
        };
        if let Some(count) = &rules[ri].count {
            group_matches(ri, count, lang, tree, src, 0, &mut bucket);
        }
        out.extend(bucket);
    }
    timed_out || cursor.did_exceed_match_limit()
}

/// A unit of a `count.within` rule: a test, say, and where its name is.
struct Scope {
    start: usize,
    end: usize,
    name: String,
    name_at: (usize, usize),
}

/// Name the unit of each of rule `ri`'s matches `out[first..]` for counting; for `within`, also
/// add each unit of the side as a match of its own (`scope: true`, at its name).
fn group_matches(
    ri: usize,
    count: &Count,
    lang: Lang,
    tree: &Tree,
    src: &[u8],
    first: usize,
    out: &mut Vec<RawMatch>,
) {
    match count {
        Count::Key(key) => {
            for m in &mut out[first..] {
                m.group = m
                    .captures
                    .iter()
                    .find(|(n, _)| n == key)
                    .map(|(_, v)| v.clone());
            }
        }
        Count::Within(w) => {
            let Some(cq) = w.scope.for_lang(lang) else {
                return;
            };
            let (Some(si), Some(ni)) = (
                cq.query.capture_index_for_name("scope"),
                cq.query.capture_index_for_name("name"),
            ) else {
                return;
            };
            let mut scopes = Vec::new();
            let mut cursor = QueryCursor::new();
            cursor.set_match_limit(MATCH_LIMIT_PER_RULE);
            let mut it = cursor.matches(&cq.query, tree.root_node(), src);
            while let Some(m) = it.next() {
                let scope = m.captures.iter().find(|c| c.index == si);
                let name = m.captures.iter().find(|c| c.index == ni);
                if let (Some(s), Some(n)) = (scope, name) {
                    scopes.push(Scope {
                        start: s.node.start_byte(),
                        end: s.node.end_byte(),
                        name: n.node.utf8_text(src).unwrap_or_default().to_string(),
                        name_at: (n.node.start_byte(), n.node.end_byte()),
                    });
                }
            }
            for m in &mut out[first..] {
                // The innermost unit that holds the match.
                m.group = scopes
                    .iter()
                    .filter(|s| s.start <= m.start && m.end <= s.end)
                    .min_by_key(|s| s.end - s.start)
                    .map(|s| s.name.clone());
            }
            for s in scopes {
                out.push(RawMatch {
                    rule: ri,
                    start: s.name_at.0,
                    end: s.name_at.1,
                    captures: vec![("name".into(), s.name.clone())],
                    secret: None,
                    checksum_valid: None,
                    looks_made_up: false,
                    group: Some(s.name),
                    scope: true,
                    identity: None,
                });
            }
        }
    }
}

/// Run the regex rules `rule_ids` over a text.
pub fn run_regexes(rules: &[Rule], rule_ids: &[usize], text: &SideText, out: &mut Vec<RawMatch>) {
    for &ri in rule_ids {
        if let Matcher::Regex(rm) = &rules[ri].matcher {
            let clock = crate::timings::start();
            regex_matches(ri, rm, &text.text, 0, out);
            crate::timings::add_rule(&rules[ri].id, clock);
        }
    }
}

/// The matches of rule `ri`'s regex in `hay`, which starts at byte `base` of the side's text.
fn regex_matches(ri: usize, rm: &RegexMatcher, hay: &str, base: usize, out: &mut Vec<RawMatch>) {
    let Some(compiled) = rm.compiled() else {
        return;
    };
    for caps in compiled.regex.captures_iter(hay) {
        let Some(whole) = caps.get(0) else { continue };
        let secret = compiled.secret_group.as_ref().and_then(|g| g.pick(&caps));
        if compiled.secret_group.is_some() && secret.is_none() {
            // The secret's group took no part in this match: there is nothing to report, and
            // nothing that could be redacted.
            continue;
        }
        if let Some(s) = secret {
            if !passes(&rm.secret_filter, s.as_str()) {
                continue;
            }
        } else if rm
            .secret_filter
            .allow()
            .iter()
            .any(|a| a.is_match(whole.as_str()))
        {
            continue;
        }
        let mut captures = Vec::new();
        for (i, name) in compiled.regex.capture_names().enumerate() {
            if let (Some(n), Some(c)) = (name, caps.get(i)) {
                captures.push((n.to_string(), c.as_str().to_string()));
            }
        }
        // The finding is the secret, else a group named `match`, else the whole match.
        let located = secret.or_else(|| caps.name("match")).unwrap_or(whole);
        out.push(RawMatch {
            rule: ri,
            start: base + located.start(),
            end: base + located.end(),
            captures,
            secret: secret.map(|s| (base + s.start(), base + s.end())),
            checksum_valid: rm.checksum.zip(secret).map(|(c, s)| c.holds(s.as_str())),
            looks_made_up: secret.is_some_and(|s| placeholder::is_made_up(s.as_str())),
            group: None,
            scope: false,
            identity: None,
        });
    }
}

/// Whether a secret passes a rule's filters: enough entropy (and, when the rule asks for
/// randomness, no documentation run like `ABCDEFGH`), and no `allow` regex matches it.
fn passes(filter: &SecretFilter, secret: &str) -> bool {
    if let Some(min) = filter.entropy {
        if too_plain(secret, min) || placeholder::is_made_up(secret) {
            return false;
        }
    }
    !filter.allow().iter().any(|a| a.is_match(secret))
}

/// The body of a string literal node: without a prefix (`r`, `b`, `f`, `u`), its quotes
/// (single, triple, backtick) and a raw string's `#`s. Other nodes are returned whole.
fn string_body(src: &[u8], start: usize, end: usize) -> (usize, usize) {
    let node = &src[start..end];
    let prefix = node
        .iter()
        .take_while(|c| {
            matches!(
                c,
                b'r' | b'b' | b'f' | b'u' | b'R' | b'B' | b'F' | b'U' | b'#'
            )
        })
        .count();
    let hashes = node[..prefix].iter().filter(|&&c| c == b'#').count();
    let rest = &node[prefix..];
    let Some(&q) = rest.first() else {
        return (start, end);
    };
    if !matches!(q, b'"' | b'\'' | b'`') {
        return (start, end);
    }
    let quotes = if rest.len() >= 6
        && rest[..3].iter().all(|&c| c == q)
        && rest[rest.len() - 3..].iter().all(|&c| c == q)
    {
        3
    } else {
        1
    };
    let close = quotes + hashes;
    if rest.len() < quotes + close || rest[rest.len() - close] != q {
        return (start, end);
    }
    (start + prefix + quotes, end - close)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_bodies_lose_prefixes_quotes_and_hashes() {
        let body = |s: &str| {
            let (a, b) = string_body(s.as_bytes(), 0, s.len());
            s[a..b].to_string()
        };
        assert_eq!(body(r#""abc""#), "abc");
        assert_eq!(body("'abc'"), "abc");
        assert_eq!(body("`abc`"), "abc");
        assert_eq!(body(r#"rb"abc""#), "abc");
        assert_eq!(body(r##"r#"a"b"#"##), r#"a"b"#);
        assert_eq!(body(r#""""abc""""#), "abc");
        // Not string literals: unchanged.
        assert_eq!(body("plain"), "plain");
        assert_eq!(body("bare'"), "bare'");
        assert_eq!(body(r#"""#), r#"""#);
    }

    #[test]
    fn short_passwords_get_a_length_aware_bar() {
        assert!(!too_plain("4ian1234", 2.8));
        assert!(too_plain("aaaabbbb", 2.8));
        assert!(too_plain("required", 2.8));
        assert!(!too_plain("q7Xt2LmR9vZ4pK8sW3nB6yC1", 2.8));
    }

    #[test]
    fn entropy_of_repeated_and_random_text() {
        assert_eq!(entropy("aaaa"), 0.0);
        assert!((entropy("abcd") - 2.0).abs() < 1e-9);
    }
}
