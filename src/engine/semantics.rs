//! The diff semantics: which matches a change introduced (`added`), took away (`removed`), or
//! simply holds (`any`).
//!
//! Every match becomes a `Candidate` with a fingerprint that holds no line number. Matching old
//! against new is a multiset over the whole change, so code moved between files, re-indented or
//! re-formatted cancels out; matches on unchanged lines cancel first.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::matcher::RawMatch;
use super::snippet::{self, SnippetContext, MAX_SNIPPET_LINES};
use super::text::SideText;
use crate::finding::{Finding, Region, Side};
use crate::redact;
use crate::rules::{DiffMode, Rule, RuleSet};
use crate::source::linediff::LineChanges;
use crate::source::FileChange;

/// What a reported finding will say, prepared where the text is at hand.
#[derive(Debug, Clone)]
pub struct Draft {
    pub(super) message: String,
    path: String,
    region: Region,
    side: Side,
    snippet: String,
    context: SnippetContext,
    secret: Option<crate::finding::RedactedSecret>,
    checksum_valid: Option<bool>,
    looks_made_up: bool,
    /// For a removal: where the removed match began in the base text (1-based), and the base
    /// path when it differs.
    base_line: Option<u32>,
    base_path: Option<String>,
    /// A line of the snippet or context was clipped.
    truncated: bool,
    secret_digest: Option<String>,
    change_index: usize,
}

impl Draft {
    /// Shown in the base text: the file is gone after the change.
    pub(super) fn in_base(&self) -> bool {
        self.side == Side::Base
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Which {
    Old,
    New,
}

/// A match with what the semantics need to decide on it.
pub struct Candidate {
    pub(super) rule: usize,
    pub(super) which: Which,
    fingerprint: String,
    /// Overlaps an added line (new side) or a removed line (old side).
    pub(super) touches: bool,
    /// (file index in the change, byte offset).
    pub(super) order: (usize, usize),
    pub(super) draft: Option<Box<Draft>>,
    /// An inline allow comment covers it: it counts, but is reported as suppressed.
    pub(super) allowed: Option<Box<Allowed>>,
    /// For counting rules: the unit's name, and whether this is the unit itself.
    pub(super) group: Option<String>,
    pub(super) scope: bool,
    /// For counting rules: the matched text and the captures, for judging and messages.
    pub(super) matched: Option<Box<Matched>>,
}

/// A counted match's text and captures: (text, [(capture, value)]).
pub(super) type Matched = (String, Vec<(String, String)>);

/// The allow comment that covers a candidate: where it is and what it says.
#[derive(Debug, Clone)]
pub struct Allowed {
    /// Its 0-based line in the new text.
    pub line: u32,
    pub reason: String,
    /// The change added that line.
    pub added: bool,
}

/// The allow comment on one of `lines` (0-based, of `text`) or on the line above the first of
/// them that covers this rule, if any.
///
/// A comment that trails code covers its own line only; a comment alone on its line covers the
/// line below it (so an allow at the end of one statement never silences the next). Rules
/// tagged `unsuppressible` (the reports of suppressions themselves) cannot be allowed.
fn allowed_by_comment(
    rule: &Rule,
    text: &SideText,
    changes: &LineChanges,
    lines: &[u32],
) -> Option<Box<Allowed>> {
    if rule.tags.iter().any(|t| t == "unsuppressible") {
        return None;
    }
    let first = lines.iter().copied().min().unwrap_or(0);
    let line = |l: u32| {
        let (s, e) = text.line_range(l);
        &text.text[s..e]
    };
    let reason = |t: &str| crate::suppress::allow_reason(t, &rule.id, rule.category);
    let found = lines
        .iter()
        .find_map(|&l| Some((l, reason(line(l))?)))
        .or_else(|| {
            let above = first.checked_sub(1)?;
            let t = line(above);
            crate::suppress::is_comment_line(t)
                .then(|| reason(t))
                .flatten()
                .map(|r| (above, r))
        })?;
    // An allow that stays where it was but now covers a line the change added is an
    // exception the change makes too.
    let added = changes.is_added(found.0) || lines.iter().any(|&l| changes.is_added(l));
    Some(Box::new(Allowed {
        line: found.0,
        reason: found.1,
        added,
    }))
}

fn fingerprint(rule: &Rule, text: &str, m: &RawMatch) -> String {
    let mut h = Sha256::new();
    h.update(rule.id.as_bytes());
    h.update([0]);
    // A fact finding is its fact's identity, wherever it lands.
    if let Some(id) = &m.identity {
        h.update(b"fact\0");
        h.update(id.as_bytes());
        return hex16(&h.finalize());
    }
    let fold = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    if !rule.identity.is_empty() {
        h.update(b"identity\0");
        for name in &rule.identity {
            let value = m.captures.iter().find(|(n, _)| n == name);
            h.update(fold(value.map_or("", |(_, v)| v.as_str())).as_bytes());
            h.update([0]);
        }
        return hex16(&h.finalize());
    }
    let matched = &text[m.start..m.end];
    h.update(fold(matched).as_bytes());
    let mut caps: Vec<&(String, String)> = m.captures.iter().collect();
    caps.sort();
    for (name, value) in caps {
        h.update([0]);
        h.update(name.as_bytes());
        h.update(b"=");
        let v: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        h.update(v.as_bytes());
    }
    hex16(&h.finalize())
}

/// The first 16 bytes of a digest, in hex: what fingerprints and secret digests are.
pub fn hex16(digest: &[u8]) -> String {
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The 0-based first and last lines of a match (a match that ends at a line start ends on the
/// line before).
fn match_lines(text: &SideText, m: &RawMatch) -> (u32, u32) {
    let first = text.line_of(m.start);
    let last = if m.end > m.start {
        text.line_of(m.end - 1)
    } else {
        first
    };
    (first, last.max(first))
}

fn interpolate(rule: &Rule, m: &RawMatch, text: &str) -> String {
    let template = rule.message.as_str();
    let secret = m.secret.map(|(s, e)| &text[s..e]);
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let name = after[..close].trim();
        let value = if name == "secret" {
            secret.map(|s| redact::describe(s).to_string())
        } else {
            m.captures
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| match secret {
                    Some(s) if v.contains(s) => v.replace(s, &redact::describe(s).to_string()),
                    _ => v.clone(),
                })
        };
        match value {
            Some(v) => {
                let folded = v.split_whitespace().collect::<Vec<_>>().join(" ");
                if folded.chars().count() > 80 {
                    out.extend(folded.chars().take(77));
                    out.push_str("...");
                } else {
                    out.push_str(&folded);
                }
            }
            // A capture of the rule that took no part in this match (an alternative not taken)
            // says nothing; any other name is left for a later step to fill.
            None if rule.defines_capture(name) => {}
            None => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    // An empty value between two words (a dependency without a version) leaves two spaces.
    while out.contains("  ") {
        out = out.replace("  ", " ");
    }
    out
}

/// Rules that judge matches by more than their fingerprint (counting, comparing) keep each
/// match's text and captures.
fn keeps_matched(rule: &Rule) -> bool {
    rule.count.is_some() || rule.compare.is_some()
}

/// `template` with each `{{capture}}` replaced by its value, blanks folded (what a counting or
/// comparing rule's own messages say).
pub(super) fn fill_captures(template: &str, captures: &[(String, String)]) -> String {
    let mut msg = template.to_string();
    for (name, value) in captures {
        let folded = value.split_whitespace().collect::<Vec<_>>().join(" ");
        msg = msg.replace(&format!("{{{{{name}}}}}"), &folded);
    }
    msg
}

/// A digest of a match's secret, to tell the same secret found in two places.
pub fn digest(value: &str) -> String {
    hex16(&Sha256::digest(value.as_bytes()))
}

fn secret_digest(text: &SideText, m: &RawMatch) -> Option<String> {
    m.secret.map(|(s, e)| digest(&text.text[s..e]))
}

fn secret_of(text: &SideText, m: &RawMatch) -> Option<crate::finding::RedactedSecret> {
    m.secret.map(|(s, e)| redact::describe(&text.text[s..e]))
}

/// A match on the new side of `f`.
pub fn new_side_candidate(
    rules: &RuleSet,
    file: usize,
    f: &FileChange,
    text: &SideText,
    changes: &LineChanges,
    m: RawMatch,
) -> Candidate {
    let rule = &rules.rules[m.rule];
    let (first, last) = match_lines(text, &m);
    let run = changes.first_added_run(first, last);
    let touches = run.is_some();
    let fp = fingerprint(rule, &text.text, &m);
    let region_lines = match rule.diff {
        DiffMode::Added if touches => run,
        // A compare rule reports a number lowered where the new number is.
        DiffMode::Removed if touches && rule.compare.is_some() => run,
        DiffMode::Any => Some((first, last)),
        _ => None,
    };
    let draft = region_lines.map(|(a, b)| {
        let b = b.min(a + MAX_SNIPPET_LINES - 1);
        let start_byte = if a == first {
            m.start
        } else {
            text.line_range(a).0
        };
        let end_byte = if b == last {
            m.end.max(m.start)
        } else {
            text.line_range(b).1
        };
        let end_byte = end_byte.min(text.line_range(b).1).max(start_byte);
        let region = Region {
            start_line: a + 1,
            start_column: text.column_of(start_byte),
            end_line: b + 1,
            end_column: text.column_of(end_byte).max(if a == b {
                text.column_of(start_byte)
            } else {
                1
            }),
        };
        let snip = snippet::cut(text, a, b, m.secret, (start_byte, end_byte));
        let (context, clipped) = snippet::context(text, a, b, (start_byte, end_byte), m.secret);
        Box::new(Draft {
            message: interpolate(rule, &m, &text.text),
            path: f.path.clone(),
            region,
            side: Side::Head,
            snippet: snip.text,
            truncated: snip.truncated || clipped,
            secret_digest: secret_digest(text, &m),
            change_index: file,
            context,
            secret: secret_of(text, &m),
            checksum_valid: m.checksum_valid,
            looks_made_up: m.looks_made_up,
            base_line: None,
            base_path: None,
        })
    });
    let allowed = draft
        .as_ref()
        .and_then(|d| allowed_by_comment(rule, text, changes, &[first, d.region.start_line - 1]));
    Candidate {
        rule: m.rule,
        which: Which::New,
        fingerprint: fp,
        touches,
        order: (file, m.start),
        draft,
        allowed,
        matched: keeps_matched(rule)
            .then(|| Box::new((text.text[m.start..m.end].to_string(), m.captures.clone()))),
        group: m.group,
        scope: m.scope,
    }
}

/// A match on the old side of `f`.
pub fn old_side_candidate(
    rules: &RuleSet,
    file: usize,
    f: &FileChange,
    old: &SideText,
    new: Option<&SideText>,
    changes: &LineChanges,
    m: RawMatch,
) -> Candidate {
    let rule = &rules.rules[m.rule];
    let (first, last) = match_lines(old, &m);
    let removed_line = (first..=last).find(|&l| changes.is_removed(l));
    let touches = removed_line.is_some();
    let fp = fingerprint(rule, &old.text, &m);
    // The units of a `count.within` rule are only counted; a rule may also leave files deleted
    // whole alone.
    let quiet = m.scope || (rule.skip_deleted_files && new.is_none());
    let draft = match (rule.diff, removed_line) {
        (DiffMode::Removed, Some(rl)) if !quiet => {
            let last_shown = last.min(first + MAX_SNIPPET_LINES - 1);
            let snip = snippet::cut(old, first, last_shown, m.secret, (m.start, m.end));
            let snippet = snip.text;
            let message = interpolate(rule, &m, &old.text);
            let secret = secret_of(old, &m);
            let base_path = f.old_path.clone().filter(|p| *p != f.path);
            Some(Box::new(match new {
                // The file still exists at the head (perhaps empty): the removal is shown there.
                Some(new) => {
                    // Where the removal happened in the new file: the replacement, or the line
                    // that now follows the removed text.
                    let line = changes
                        .old_to_new(rl)
                        .min(new.line_count().saturating_sub(1));
                    let (s, e) = new.line_range(line);
                    let (context, clipped) = snippet::context(new, line, line, (s, e), None);
                    Draft {
                        message,
                        path: f.path.clone(),
                        region: Region {
                            start_line: line + 1,
                            start_column: 1,
                            end_line: line + 1,
                            end_column: new.end_column(line),
                        },
                        side: Side::Head,
                        snippet,
                        context,
                        truncated: snip.truncated || clipped,
                        secret_digest: secret_digest(old, &m),
                        change_index: file,
                        secret,
                        checksum_valid: m.checksum_valid,
                        looks_made_up: m.looks_made_up,
                        base_line: Some(first + 1),
                        base_path,
                    }
                }
                _ => base_draft(
                    rule,
                    file,
                    f,
                    old,
                    &m,
                    first,
                    last_shown,
                    snippet,
                    snip.truncated,
                ),
            }))
        }
        _ => None,
    };
    // A removal is allowed by a comment where it happened in the new text.
    let allowed = match (&draft, new) {
        (Some(d), Some(new)) if d.side == Side::Head => {
            allowed_by_comment(rule, new, changes, &[d.region.start_line - 1])
        }
        _ => None,
    };
    Candidate {
        rule: m.rule,
        which: Which::Old,
        fingerprint: fp,
        touches,
        order: (file, m.start),
        draft,
        allowed,
        matched: keeps_matched(rule)
            .then(|| Box::new((old.text[m.start..m.end].to_string(), m.captures.clone()))),
        group: m.group,
        scope: m.scope,
    }
}

/// A removal shown where it was, in the base text of a file the change deleted.
#[allow(clippy::too_many_arguments)]
fn base_draft(
    rule: &Rule,
    file: usize,
    f: &FileChange,
    old: &SideText,
    m: &RawMatch,
    first: u32,
    last_shown: u32,
    snippet: String,
    truncated: bool,
) -> Draft {
    let start_byte = m.start;
    let end_byte = m.end.min(old.line_range(last_shown).1).max(start_byte);
    let (context, clipped) =
        snippet::context(old, first, last_shown, (start_byte, end_byte), m.secret);
    Draft {
        message: interpolate(rule, m, &old.text),
        path: f.old_path.clone().unwrap_or_else(|| f.path.clone()),
        region: Region {
            start_line: first + 1,
            start_column: old.column_of(start_byte),
            end_line: last_shown + 1,
            end_column: old.column_of(end_byte),
        },
        side: Side::Base,
        snippet,
        context,
        truncated: truncated || clipped,
        secret_digest: secret_digest(old, m),
        change_index: file,
        secret: secret_of(old, m),
        checksum_valid: m.checksum_valid,
        looks_made_up: m.looks_made_up,
        base_line: Some(first + 1),
        base_path: None,
    }
}

/// A fact that a file's deletion took away (a lockfile deleted): reported, as an `any` rule's
/// finding is, but shown in the base text, where the file still exists.
pub fn deleted_file_candidate(
    rules: &RuleSet,
    file: usize,
    f: &FileChange,
    old: &SideText,
    m: RawMatch,
) -> Candidate {
    let rule = &rules.rules[m.rule];
    let (first, last) = match_lines(old, &m);
    let last_shown = last.min(first + MAX_SNIPPET_LINES - 1);
    let snip = snippet::cut(old, first, last_shown, m.secret, (m.start, m.end));
    let draft = base_draft(
        rule,
        file,
        f,
        old,
        &m,
        first,
        last_shown,
        snip.text,
        snip.truncated,
    );
    Candidate {
        rule: m.rule,
        which: Which::New,
        fingerprint: fingerprint(rule, &old.text, &m),
        touches: true,
        order: (file, m.start),
        draft: Some(Box::new(draft)),
        allowed: None,
        matched: None,
        group: m.group,
        scope: m.scope,
    }
}

/// Apply the multiset semantics and turn the survivors into findings: those to report, and
/// those an allow comment covers (with their `Suppression`).
///
/// `paths` are the paths of the change's files, by index (what counting rules need to tell
/// files beside each other).
pub fn resolve(
    rules: &RuleSet,
    candidates: Vec<Candidate>,
    paths: &[&str],
) -> (Vec<Finding>, Vec<Finding>) {
    let mut allowed = Vec::new();
    let mut by_rule: HashMap<usize, Vec<Candidate>> = HashMap::new();
    for c in candidates {
        by_rule.entry(c.rule).or_default().push(c);
    }
    let mut findings = Vec::new();
    for (ri, cands) in by_rule {
        let rule = &rules.rules[ri];
        // Counting and comparing rules judge their matches themselves.
        let judged = match (&rule.count, &rule.compare) {
            (Some(count), _) => Some(super::counting::resolve(count, &cands, paths)),
            (None, Some(cmp)) => Some(super::compare::resolve(rule, cmp, &cands)),
            (None, None) => None,
        };
        if let Some(judged) = judged {
            for (c, d) in judged {
                let f = finding(rule, d, &c.fingerprint);
                match &c.allowed {
                    Some(a) => allowed.push(suppressed(f, a)),
                    None => findings.push(f),
                }
            }
            continue;
        }
        let (reported_side, other_side) = match rule.diff {
            DiffMode::Added => (Which::New, Which::Old),
            DiffMode::Removed => (Which::Old, Which::New),
            DiffMode::Any => {
                for c in cands {
                    if let (Which::New, Some(d)) = (c.which, c.draft) {
                        let f = finding(rule, *d, &c.fingerprint);
                        match &c.allowed {
                            Some(a) => allowed.push(suppressed(f, a)),
                            None => findings.push(f),
                        }
                    }
                }
                continue;
            }
        };
        // Counterparts in the same file first, then anywhere in the change (code moved between
        // files): a line rewritten in place keeps its own counterpart, and the copy that is
        // new is the one reported.
        let mut in_file: HashMap<(usize, &str), usize> = HashMap::new();
        for c in cands.iter().filter(|c| c.which == other_side) {
            *in_file.entry((c.order.0, &c.fingerprint)).or_default() += 1;
        }
        let mut mine: Vec<&Candidate> = cands.iter().filter(|c| c.which == reported_side).collect();
        // Unchanged occurrences claim their counterparts first.
        mine.sort_by_key(|c| (c.touches, c.order));
        let mut unpaired = Vec::new();
        for c in mine {
            match in_file.get_mut(&(c.order.0, c.fingerprint.as_str())) {
                Some(n) if *n > 0 => *n -= 1,
                _ => unpaired.push(c),
            }
        }
        let mut counterparts: HashMap<&str, usize> = HashMap::new();
        for ((_, fp), n) in in_file {
            *counterparts.entry(fp).or_default() += n;
        }
        let mut out = Vec::new();
        for c in unpaired {
            if let Some(n) = counterparts.get_mut(c.fingerprint.as_str()) {
                if *n > 0 {
                    *n -= 1;
                    continue;
                }
            }
            if let (true, Some(d)) = (c.touches, &c.draft) {
                let f = finding(rule, (**d).clone(), &c.fingerprint);
                match &c.allowed {
                    Some(a) => allowed.push(suppressed(f, a)),
                    None => out.push(f),
                }
            }
        }
        findings.extend(out);
    }
    (findings, allowed)
}

/// A finding with the allow comment that covers it.
fn suppressed(mut f: Finding, a: &Allowed) -> Finding {
    f.suppression = Some(crate::finding::Suppression {
        kind: crate::finding::SuppressionKind::InSource,
        justification: a.reason.clone(),
        path: f.path.clone(),
        line: a.line + 1,
        last_line: a.line + 1,
        added_by_change: a.added,
        owner: None,
        expires: None,
    });
    f
}

fn finding(rule: &Rule, d: Draft, fingerprint: &str) -> Finding {
    Finding {
        rule_id: rule.id.clone(),
        category: rule.category,
        severity: rule.severity,
        // A checksum, where the format has one, says more than the rule's default; a secret
        // that looks made up (documentation) says less.
        confidence: match d.checksum_valid {
            _ if d.looks_made_up => crate::finding::Confidence::Low,
            Some(true) => crate::finding::Confidence::High,
            Some(false) => crate::finding::Confidence::Low,
            None => rule.confidence,
        },
        message: d.message,
        path: d.path,
        region: d.region,
        side: d.side,
        snippet: d.snippet,
        fingerprint: fingerprint.to_string(),
        secret: d.secret,
        checksum_valid: d.checksum_valid,
        provenance: None,
        suppression: None,
        base_line: d.base_line,
        snippet_truncated: d.truncated,
        secret_digest: d.secret_digest,
        change_index: d.change_index,
        base_path: d.base_path,
        context_first_line: d.context.first_line,
        context: d.context.text,
        highlight: d.context.highlight,
    }
}
