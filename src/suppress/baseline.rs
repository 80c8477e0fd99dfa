//! Baseline files: the findings a repository accepted as they were when it adopted diffward.
//!
//! An entry names a finding by its rule, its file and its fingerprint (the rule, the match's
//! normalised text and its captures, hashed: no line number, and a secret only as a hash), and
//! covers `count` occurrences of it. So an entry survives the code moving inside its file and
//! the file being renamed (renames are followed from the commit the baseline was written at),
//! while the same finding copied into another file, or one copy more, is reported.
//!
//! The file is TOML, written sorted and stable so that its diffs are readable:
//!
//! ```toml
//! version = 1
//! commit = "<the commit it was written at>"
//!
//! # critical: AWS access key id
//! [[finding]]
//! rule = "secrets/aws-access-key-id"
//! path = "app/settings.py"
//! fingerprint = "0f3a…"
//! reason = "rotated, removal tracked in #12"   # optional, kept by `update`
//! owner = "platform-team"                      # optional
//! expires = "2027-03-31"                       # optional: after it, the entry covers nothing
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::finding::Finding;

/// The version of the format this build reads and writes.
const VERSION: u32 = 1;

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    pub fingerprint: String,
    /// How many occurrences it covers (at least 1).
    pub count: u32,
    pub reason: Option<String>,
    pub owner: Option<String>,
    pub expires: Option<Date>,
    /// The 1-based line of its `[[finding]]` header in the file (0 for a new entry).
    pub line: u32,
    /// The last line of the entry in the file (its last key).
    pub last_line: u32,
    /// Found in the history only (a secret a commit added and a later one deleted): only a
    /// scan of commits can find it again, so only such a scan can find the entry unused.
    pub history: bool,
}

impl Entry {
    pub fn key(&self) -> (&str, &str, &str) {
        (&self.rule, &self.path, &self.fingerprint)
    }
}

/// A baseline, as read from its file.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// The commit it was written at, from which renames are followed.
    pub commit: Option<String>,
    pub entries: Vec<Entry>,
}

/// A calendar date (`YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.trim().splitn(3, '-');
        let year: i32 = it.next()?.parse().ok()?;
        let month: u32 = it.next()?.parse().ok()?;
        let day: u32 = it.next()?.parse().ok()?;
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        ((1..=12).contains(&month) && (1..=days).contains(&day) && s.trim().len() == 10)
            .then_some(Date { year, month, day })
    }

    /// Today in UTC (the civil date of the system clock).
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days((secs / 86_400) as i64)
    }

    /// The civil date `days` after 1970-01-01 (Howard Hinnant's algorithm, public domain).
    fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{path}: {message}")]
#[diagnostic(
    code(diffward::baseline),
    help("fix the file at the line named (the README's \"Baselines\" section shows the format), or scan without it: `--no-baseline`")
)]
pub struct BaselineError {
    pub path: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBaseline {
    version: u32,
    #[serde(default)]
    commit: Option<String>,
    #[serde(default)]
    finding: Vec<toml::Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    rule: String,
    path: String,
    fingerprint: String,
    #[serde(default)]
    count: Option<u32>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    expires: Option<RawDate>,
    #[serde(default, rename = "in-history")]
    in_history: bool,
}

/// `expires = "2027-03-31"` or the TOML date `expires = 2027-03-31`.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawDate {
    Text(String),
    Toml(toml::value::Datetime),
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let err = |message: String| BaselineError {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
        Baseline::parse(&text).map_err(err)
    }

    /// Read a baseline's text (`Err` says what is wrong, with the line where it can).
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let raw: RawBaseline = toml::from_str(text).map_err(|e| e.to_string())?;
        if raw.version != VERSION {
            return Err(format!(
                "version {} is not one this diffward reads (it reads version {VERSION})",
                raw.version
            ));
        }
        if let Some(c) = &raw.commit {
            // It reaches git as a revision: only a commit id, never an option.
            if !(c.len() == 40 || c.len() == 64) || !c.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "commit `{c}` is not a commit id (40 or 64 hex digits)"
                ));
            }
        }
        // Lines are counted once, forward: the entries come in the file's order.
        let (mut counted_to, mut line) = (0usize, 1u32);
        let mut line_of = |byte: usize| {
            let byte = byte.min(text.len()).max(counted_to);
            line += text[counted_to..byte].matches('\n').count() as u32;
            counted_to = byte;
            line
        };
        let mut entries = Vec::new();
        for spanned in raw.finding {
            let line = line_of(spanned.span().start);
            let e = spanned.into_inner();
            let expires = match e.expires {
                None => None,
                Some(d) => {
                    let s = match d {
                        RawDate::Text(s) => s,
                        RawDate::Toml(d) => d.to_string(),
                    };
                    Some(Date::parse(&s).ok_or_else(|| {
                        format!("line {line}: expires `{s}` is not a date: write it as YYYY-MM-DD")
                    })?)
                }
            };
            if e.count == Some(0) {
                return Err(format!(
                    "line {line}: count 0 covers nothing: remove the entry"
                ));
            }
            entries.push(Entry {
                rule: e.rule,
                path: e.path,
                fingerprint: e.fingerprint,
                count: e.count.unwrap_or(1),
                reason: e.reason.filter(|r| !r.trim().is_empty()),
                owner: e.owner.filter(|o| !o.trim().is_empty()),
                expires,
                line,
                last_line: line,
                history: e.in_history,
            });
        }
        // An entry runs to the line before the next one (or the end of the file): the span
        // toml gives an array's table may be its header alone.
        let total = text.lines().count() as u32;
        let starts: Vec<u32> = entries.iter().map(|e| e.line).collect();
        for (i, e) in entries.iter_mut().enumerate() {
            e.last_line = starts
                .get(i + 1)
                .map_or(total, |next| next.saturating_sub(1))
                .max(e.line);
        }
        Ok(Baseline {
            commit: raw.commit,
            entries,
        })
    }

    /// The entries for these findings, one per (rule, path, fingerprint) with its count. What
    /// an entry of `keep` says about it by hand (reason, owner, expiry) carries over.
    pub fn from_findings<'f>(
        findings: impl IntoIterator<Item = &'f Finding>,
        keep: &[Entry],
        commit: Option<String>,
    ) -> Baseline {
        let mut counts: BTreeMap<(String, String, String), (u32, bool)> = BTreeMap::new();
        for f in findings {
            let c = counts
                .entry((f.rule_id.clone(), f.path.clone(), f.fingerprint.clone()))
                .or_insert((0, true));
            c.0 += 1;
            c.1 &= f.side == crate::finding::Side::History;
        }
        let old: HashMap<(&str, &str, &str), &Entry> = keep.iter().map(|e| (e.key(), e)).collect();
        let entries = counts
            .into_iter()
            .map(|((rule, path, fingerprint), (count, history))| {
                let before = old.get(&(rule.as_str(), path.as_str(), fingerprint.as_str()));
                Entry {
                    count,
                    reason: before.and_then(|e| e.reason.clone()),
                    owner: before.and_then(|e| e.owner.clone()),
                    expires: before.and_then(|e| e.expires),
                    line: 0,
                    last_line: 0,
                    history,
                    rule,
                    path,
                    fingerprint,
                }
            })
            .collect();
        Baseline { commit, entries }
    }

    /// The file's text: sorted, each entry after a comment with its severity and title.
    pub fn render(&self, title_of: impl Fn(&str) -> Option<(String, String)>) -> String {
        let q = |s: &str| toml::Value::String(s.to_string()).to_string();
        let mut out = String::from(
            "# diffward baseline: findings accepted as they are, so that only new ones are reported.\n\
             # An entry covers `count` occurrences of one finding in one file (by its fingerprint:\n\
             # no line number, and a secret only as a hash); the same finding in another file, or\n\
             # one more copy, is reported. `reason`, `owner` and `expires = \"YYYY-MM-DD\"` are yours\n\
             # to add: `diffward baseline update` keeps them, and drops entries nothing matches.\n",
        );
        out.push_str(&format!("version = {VERSION}\n"));
        if let Some(c) = &self.commit {
            out.push_str(&format!("commit = {}\n", q(c)));
        }
        let mut entries: Vec<&Entry> = self.entries.iter().collect();
        entries.sort_by(|a, b| {
            (&a.path, &a.rule, &a.fingerprint).cmp(&(&b.path, &b.rule, &b.fingerprint))
        });
        for e in entries {
            out.push('\n');
            if let Some((severity, title)) = title_of(&e.rule) {
                out.push_str(&format!("# {severity}: {}\n", title.replace('\n', " ")));
            }
            out.push_str("[[finding]]\n");
            out.push_str(&format!("rule = {}\n", q(&e.rule)));
            out.push_str(&format!("path = {}\n", q(&e.path)));
            out.push_str(&format!("fingerprint = {}\n", q(&e.fingerprint)));
            if e.count > 1 {
                out.push_str(&format!("count = {}\n", e.count));
            }
            if e.history {
                out.push_str("in-history = true\n");
            }
            if let Some(r) = &e.reason {
                out.push_str(&format!("reason = {}\n", q(r)));
            }
            if let Some(o) = &e.owner {
                out.push_str(&format!("owner = {}\n", q(o)));
            }
            if let Some(d) = &e.expires {
                out.push_str(&format!("expires = \"{d}\"\n"));
            }
        }
        out
    }
}

/// What an entry says about one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cover<'b> {
    /// The entry covers it.
    Covered(&'b Entry),
    /// The entry would, but its date has passed.
    Expired(&'b Entry),
    /// No entry (or none with occurrences left) covers it.
    None,
}

/// Matches findings against a baseline's entries, each entry covering `count` of them.
pub struct Matcher<'b> {
    entries: &'b [Entry],
    /// Per key, the entries' indexes.
    by_key: HashMap<(&'b str, &'b str, &'b str), Vec<usize>>,
    /// Occurrences each entry covered so far.
    used: Vec<u32>,
    /// For a renamed file, its path at the baseline's commit, by its path now.
    renamed_from: HashMap<String, String>,
    today: Date,
}

impl<'b> Matcher<'b> {
    /// `preused`: occurrences each key already has on lines the change left alone, which its
    /// entries cover before any finding of the change (see `policy::BaselineUse::preused`).
    pub fn new(
        baseline: &'b Baseline,
        renames: &[(String, String)],
        today: Date,
        preused: &HashMap<(String, String, String), u32>,
    ) -> Matcher<'b> {
        let mut by_key: HashMap<_, Vec<usize>> = HashMap::new();
        for (i, e) in baseline.entries.iter().enumerate() {
            by_key.entry(e.key()).or_default().push(i);
        }
        let mut used = vec![0; baseline.entries.len()];
        for ((rule, path, fp), n) in preused {
            let mut left = *n;
            for &i in by_key
                .get(&(rule.as_str(), path.as_str(), fp.as_str()))
                .into_iter()
                .flatten()
            {
                let take = left.min(baseline.entries[i].count.saturating_sub(used[i]));
                used[i] += take;
                left -= take;
            }
        }
        Matcher {
            entries: &baseline.entries,
            by_key,
            used,
            renamed_from: renames
                .iter()
                .map(|(old, new)| (new.clone(), old.clone()))
                .collect(),
            today,
        }
    }

    /// Whether an entry covers this occurrence of a finding (counting it when it does).
    pub fn cover(&mut self, rule: &str, path: &str, fingerprint: &str) -> Cover<'b> {
        let old_path = self.renamed_from.get(path).map(String::as_str);
        let candidates: Vec<usize> = [Some(path), old_path]
            .into_iter()
            .flatten()
            .filter_map(|p| self.by_key.get(&(rule, p, fingerprint)))
            .flatten()
            .copied()
            .collect();
        let mut expired = None;
        for i in candidates {
            let e = &self.entries[i];
            if e.expires.is_some_and(|d| d < self.today) {
                self.used[i] += 1;
                expired.get_or_insert(e);
                continue;
            }
            if self.used[i] < e.count {
                self.used[i] += 1;
                return Cover::Covered(e);
            }
        }
        expired.map_or(Cover::None, Cover::Expired)
    }

    /// The entries that covered nothing.
    pub fn unused(&self) -> Vec<&'b Entry> {
        self.entries
            .iter()
            .zip(&self.used)
            .filter(|(_, &n)| n == 0)
            .map(|(e, _)| e)
            .collect()
    }
}

/// Where the baseline of a scan is: `--baseline`, else `[scan] baseline` of diffward.toml, else
/// `.diffward-baseline.toml` at the repository root when there is one.
pub fn locate(flag: Option<&Path>, configured: Option<&Path>, root: &Path) -> Option<PathBuf> {
    flag.or(configured).map(Path::to_path_buf).or_else(|| {
        let default = root.join(DEFAULT_FILE);
        default.is_file().then_some(default)
    })
}

/// The file name a repository's baseline has when nothing names another.
pub const DEFAULT_FILE: &str = ".diffward-baseline.toml";

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(rule: &str, path: &str, fp: &str, count: u32) -> Entry {
        Entry {
            rule: rule.into(),
            path: path.into(),
            fingerprint: fp.into(),
            count,
            reason: None,
            owner: None,
            expires: None,
            line: 0,
            last_line: 0,
            history: false,
        }
    }

    #[test]
    fn dates_parse_and_today_is_a_real_date() {
        assert_eq!(
            Date::parse("2027-03-31"),
            Some(Date {
                year: 2027,
                month: 3,
                day: 31
            })
        );
        assert_eq!(Date::parse("2027-3-31"), None);
        assert_eq!(Date::parse("2027-02-31"), None);
        assert_eq!(Date::parse("2027-04-31"), None);
        assert!(Date::parse("2028-02-29").is_some());
        assert_eq!(Date::parse("2027-02-29"), None);
        assert_eq!(Date::parse("31/03/2027"), None);
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(19_723).to_string(), "2024-01-01");
        assert_eq!(Date::from_days(20_513).to_string(), "2026-03-01");
        assert!(Date::today().year >= 2024);
    }

    #[test]
    fn render_then_parse_gives_the_same_entries() {
        let mut e = entry("secrets/x", "a b/c.py", "00ff", 2);
        e.reason = Some("rotated \"old\" key".into());
        e.owner = Some("team".into());
        e.expires = Date::parse("2030-01-02");
        let b = Baseline {
            commit: Some("ab".repeat(20)),
            entries: vec![e.clone(), entry("auth/y", "z.py", "11", 1)],
        };
        let text = b.render(|id| Some(("high".into(), format!("title of {id}"))));
        assert!(
            text.contains("# high: title of secrets/x\n[[finding]]"),
            "{text}"
        );
        let back = Baseline::parse(&text).unwrap();
        assert_eq!(back.commit, Some("ab".repeat(20)));
        let mut got = back.entries.clone();
        for g in &mut got {
            assert!(g.last_line >= g.line + 3, "an entry spans its keys");
            g.line = 0;
            g.last_line = 0;
        }
        assert_eq!(got, vec![e, entry("auth/y", "z.py", "11", 1)]);
        assert!(back.entries[0].line > 5, "entries know their line");
    }

    #[test]
    fn bad_files_say_what_is_wrong_and_where() {
        let e = Baseline::parse("version = 1\n[[finding]]\nrule = \"r\"\npath = \"p\"\nfingerprint = \"f\"\nexpires = \"soon\"\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("YYYY-MM-DD"), "{e}");
        let e = Baseline::parse("version = 7\n").unwrap_err();
        assert!(e.contains("version 7"), "{e}");
        let e = Baseline::parse("version = 1\n[[finding]]\nrule = \"r\"\n").unwrap_err();
        assert!(e.contains("path"), "{e}");
        let e = Baseline::parse("version = 1\nbogus = 1\n").unwrap_err();
        assert!(e.contains("bogus"), "{e}");
        let e = Baseline::parse("version = 1\ncommit = \"--output=x\"\n").unwrap_err();
        assert!(e.contains("not a commit id"), "{e}");
    }

    #[test]
    fn each_entry_covers_its_count_and_follows_renames() {
        let b = Baseline {
            commit: None,
            entries: vec![entry("r", "old.py", "f", 1), entry("r", "b.py", "g", 2)],
        };
        let renames = vec![("old.py".to_string(), "new.py".to_string())];
        let mut m = Matcher::new(
            &b,
            &renames,
            Date::parse("2026-01-01").unwrap(),
            &HashMap::new(),
        );
        assert!(matches!(m.cover("r", "new.py", "f"), Cover::Covered(_)));
        assert_eq!(
            m.cover("r", "new.py", "f"),
            Cover::None,
            "a copy is reported"
        );
        assert_eq!(m.cover("r", "other.py", "g"), Cover::None, "another file");
        assert!(matches!(m.cover("r", "b.py", "g"), Cover::Covered(_)));
        assert!(matches!(m.cover("r", "b.py", "g"), Cover::Covered(_)));
        assert_eq!(m.cover("r", "b.py", "g"), Cover::None);
        assert!(m.unused().is_empty());
    }

    #[test]
    fn expired_entries_cover_nothing_and_unused_ones_are_listed() {
        let mut old = entry("r", "a.py", "f", 1);
        old.expires = Date::parse("2020-01-01");
        let b = Baseline {
            commit: None,
            entries: vec![old, entry("r", "gone.py", "h", 1)],
        };
        let mut m = Matcher::new(&b, &[], Date::parse("2026-01-01").unwrap(), &HashMap::new());
        assert!(matches!(m.cover("r", "a.py", "f"), Cover::Expired(_)));
        let unused: Vec<&str> = m.unused().iter().map(|e| e.path.as_str()).collect();
        assert_eq!(unused, vec!["gone.py"]);
    }
}
