//! The decisions about suppressed findings, once every finding of a scan is known (see the
//! module above for the order and the reasons).

use std::collections::{HashMap, HashSet};

use super::baseline::{Baseline, Cover, Date, Entry, Matcher};
use crate::finding::{Finding, Severity, Suppression, SuppressionKind};

/// A baseline entry's identity: rule, path, fingerprint.
pub type EntryKey = (String, String, String);

/// A baseline as one scan uses it.
pub struct BaselineUse<'a> {
    pub baseline: &'a Baseline,
    /// The baseline file's path, relative to the repository root (for locations).
    pub file: String,
    /// Files renamed since the baseline's commit: (path then, path now).
    pub renames: Vec<(String, String)>,
    /// The entries of the baseline on the base side of the change, by key (rule, path,
    /// fingerprint), with their count and expiry: an entry not among them, or one that covers
    /// more occurrences or for longer than there, was added by the change. `None` when the scan
    /// has no base side (a plain scan of files), so nothing counts as added.
    pub base_entries: Option<HashMap<EntryKey, (u32, Option<Date>)>>,
    /// Per key, the occurrences the head already has on lines the change left alone: a scan of
    /// a change reports only what it added, so these would otherwise leave an entry's count
    /// free for a new copy.
    pub preused: HashMap<EntryKey, u32>,
    /// Rules no baseline entry can silence (tag `unsuppressible`: the reports of suppressions).
    pub unsuppressible: HashSet<String>,
    /// The files the scan read.
    pub scanned: HashSet<String>,
    /// Which entries this scan can find unused.
    pub judging: Judging,
}

/// Which entries a scan can find unused: a scan of a change sees only what it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judging {
    /// None (a range, the index, the work tree's changes, a patch, a proposed edit).
    Nothing,
    /// The entries of the files read whole, but those found in the history only (a plain scan
    /// of files).
    Files,
    /// Every entry (a scan of every commit up to the head, as `baseline create` makes).
    Everything,
}

impl Judging {
    /// Whether an entry of `path` (or renamed from it) is judged.
    pub fn judges(
        self,
        e: &Entry,
        scanned: &HashSet<String>,
        renames: &[(String, String)],
    ) -> bool {
        let read = || {
            scanned.contains(&e.path)
                || renames
                    .iter()
                    .any(|(then, now)| *then == e.path && scanned.contains(now))
        };
        match self {
            Judging::Nothing => false,
            Judging::Files => !e.history && read(),
            Judging::Everything => true,
        }
    }
}

/// What applying a baseline did.
#[derive(Debug, Default)]
pub struct BaselineOutcome {
    /// Entries that covered no finding of this scan.
    pub unused: Vec<Entry>,
    /// Findings whose entry has expired (they are reported).
    pub expired: usize,
    /// Findings the baseline covers (moved to the suppressed ones).
    pub covered: usize,
}

/// Move the findings that the baseline covers from `reported` to `suppressed`. Each entry
/// covers as many occurrences as its count; an expired one covers none, and its finding says so.
pub fn apply_baseline(
    reported: &mut Vec<Finding>,
    suppressed: &mut Vec<Finding>,
    use_: &BaselineUse<'_>,
    today: Date,
) -> BaselineOutcome {
    let mut matcher = Matcher::new(use_.baseline, &use_.renames, today, &use_.preused);
    let mut out = BaselineOutcome::default();
    let mut kept = Vec::with_capacity(reported.len());
    for mut f in std::mem::take(reported) {
        if use_.unsuppressible.contains(&f.rule_id) {
            kept.push(f);
            continue;
        }
        match matcher.cover(&f.rule_id, &f.path, &f.fingerprint) {
            Cover::Covered(e) => {
                let added = use_.base_entries.as_ref().is_some_and(|base| {
                    let key = (e.rule.clone(), e.path.clone(), e.fingerprint.clone());
                    match base.get(&key) {
                        None => true,
                        Some((count, expires)) => {
                            e.count > *count
                                || match (e.expires, expires) {
                                    (None, Some(_)) => true,
                                    (Some(now), Some(then)) => now > *then,
                                    _ => false,
                                }
                        }
                    }
                });
                f.suppression = Some(Suppression {
                    kind: SuppressionKind::External,
                    justification: e
                        .reason
                        .clone()
                        .unwrap_or_else(|| "accepted in the baseline".into()),
                    path: use_.file.clone(),
                    line: e.line,
                    last_line: e.last_line.max(e.line),
                    added_by_change: added,
                    owner: e.owner.clone(),
                    expires: e.expires.map(|d| d.to_string()),
                });
                out.covered += 1;
                suppressed.push(f);
            }
            Cover::Expired(e) => {
                let when = e.expires.map(|d| d.to_string()).unwrap_or_default();
                f.message.push_str(&format!(
                    " (its baseline entry, {}:{}, expired on {when})",
                    use_.file, e.line
                ));
                out.expired += 1;
                kept.push(f);
            }
            Cover::None => kept.push(f),
        }
    }
    *reported = kept;
    out.unused = matcher
        .unused()
        .into_iter()
        .filter(|e| use_.judging.judges(e, &use_.scanned, &use_.renames))
        .cloned()
        .collect();
    out
}

/// Report again the critical and high findings that a suppression added by an AI-assisted
/// commit of this change would silence. `added_by_ai` names the commit (and agent) that added a
/// suppression, when it is AI-assisted. Returns how many findings were put back.
pub fn overrule_ai_suppressions(
    reported: &mut Vec<Finding>,
    suppressed: &mut Vec<Finding>,
    added_by_ai: impl Fn(&Suppression) -> Option<String>,
) -> usize {
    let mut back = 0;
    let mut kept = Vec::with_capacity(suppressed.len());
    for mut f in std::mem::take(suppressed) {
        let by = f
            .suppression
            .as_ref()
            .filter(|s| s.added_by_change && f.severity >= Severity::High)
            .and_then(|s| Some((s.clone(), added_by_ai(s)?)));
        match by {
            Some((s, commit)) => {
                let what = match s.kind {
                    SuppressionKind::InSource => format!("the allow comment on line {}", s.line),
                    SuppressionKind::External => {
                        format!("the baseline entry at {}:{}", s.path, s.line)
                    }
                };
                f.message.push_str(&format!(
                    " (not silenced: {what} was added by {commit}, and only a person may accept a {} finding)",
                    f.severity
                ));
                f.suppression = None;
                back += 1;
                reported.push(f);
            }
            None => kept.push(f),
        }
    }
    *suppressed = kept;
    reported.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    back
}

/// A suppression the change added, and the finding it covers.
#[derive(Debug, Clone)]
pub struct AddedSuppression {
    pub path: String,
    pub line: u32,
    pub rule: String,
    pub severity: Severity,
}

/// The suppressions of `suppressed` that the change added (before any is overruled: a reviewer
/// should see an exception that was tried, too).
pub fn added_suppressions(suppressed: &[Finding]) -> Vec<AddedSuppression> {
    suppressed
        .iter()
        .filter_map(|f| {
            let s = f
                .suppression
                .as_ref()
                .filter(|s| s.added_by_change && s.line > 0)?;
            Some(AddedSuppression {
                path: s.path.clone(),
                line: s.line,
                rule: f.rule_id.clone(),
                severity: f.severity,
            })
        })
        .collect()
}

/// Keep a report of an added allow comment or baseline entry (a finding of one of `reporting`,
/// the rules tagged `suppression-report`) only where that suppression covers a finding, and
/// name what it covers: an allow marker that silences nothing (a rule's documentation, a
/// string listing markers) has nothing to show a reviewer.
pub fn keep_effective_suppression_reports(
    reported: &mut Vec<Finding>,
    added: &[AddedSuppression],
    reporting: &HashSet<String>,
) {
    reported.retain_mut(|f| {
        if !reporting.contains(&f.rule_id) {
            return true;
        }
        // An entry's report may start below its `[[finding]]` line when only its later lines
        // changed; a comment's is on its own line.
        let lo = f.region.start_line.saturating_sub(3);
        let mut covered: Vec<String> = added
            .iter()
            .filter(|a| a.path == f.path && (lo..=f.region.end_line).contains(&a.line))
            .map(|a| format!("{} ({})", a.rule, a.severity))
            .collect();
        covered.sort();
        covered.dedup();
        if covered.is_empty() {
            return false;
        }
        f.message
            .push_str(&format!("; it covers {}", covered.join(", ")));
        true
    });
}

/// A report for each baseline entry the change added that covers a finding and that
/// `checks/baseline-entry-added` did not already report from the file's text (an entry written
/// by hand in another layout): what a baseline silences must be seen whatever its layout.
/// `rule` is that rule, when the scan runs it.
pub fn report_added_entries(
    reported: &mut Vec<Finding>,
    added: &[AddedSuppression],
    rule: Option<&crate::rules::Rule>,
    baseline_file: &str,
) {
    let Some(rule) = rule else {
        return;
    };
    let mut by_line: std::collections::BTreeMap<u32, Vec<String>> = Default::default();
    for a in added.iter().filter(|a| a.path == baseline_file) {
        by_line
            .entry(a.line)
            .or_default()
            .push(format!("{} ({})", a.rule, a.severity));
    }
    for (line, mut covers) in by_line {
        let reported_already = reported.iter().any(|f| {
            f.rule_id == rule.id
                && f.path == baseline_file
                && (f.region.start_line.saturating_sub(3)..=f.region.end_line).contains(&line)
        });
        if reported_already {
            continue;
        }
        covers.sort();
        covers.dedup();
        let mut h = <sha2::Sha256 as sha2::Digest>::new();
        sha2::Digest::update(&mut h, format!("{}\0{baseline_file}\0{line}", rule.id));
        let digest = sha2::Digest::finalize(h);
        reported.push(Finding {
            rule_id: rule.id.clone(),
            category: rule.category,
            severity: rule.severity,
            confidence: rule.confidence,
            message: format!(
                "A baseline entry was added: {} is no longer reported",
                covers.join(", ")
            ),
            path: baseline_file.to_string(),
            region: crate::finding::Region {
                start_line: line,
                start_column: 1,
                end_line: line,
                end_column: 1,
            },
            side: crate::finding::Side::Head,
            snippet: String::new(),
            snippet_truncated: false,
            fingerprint: crate::engine::hex16(&digest),
            secret: None,
            checksum_valid: None,
            provenance: None,
            suppression: None,
            base_line: None,
            base_path: None,
            secret_digest: None,
            change_index: 0,
            context: String::new(),
            context_first_line: line,
            highlight: (0, 0),
        });
    }
    reported.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Category, Confidence, Region, Side};

    fn finding(rule: &str, path: &str, fp: &str, severity: Severity) -> Finding {
        Finding {
            rule_id: rule.into(),
            category: Category::Secrets,
            severity,
            confidence: Confidence::High,
            message: "m".into(),
            path: path.into(),
            region: Region {
                start_line: 1,
                start_column: 1,
                end_line: 1,
                end_column: 2,
            },
            side: Side::Head,
            snippet: String::new(),
            snippet_truncated: false,
            fingerprint: fp.into(),
            secret: None,
            checksum_valid: None,
            provenance: None,
            suppression: None,
            base_line: None,
            base_path: None,
            secret_digest: None,
            change_index: 0,
            context: String::new(),
            context_first_line: 1,
            highlight: (0, 0),
        }
    }

    fn baseline(text: &str) -> Baseline {
        Baseline::parse(text).unwrap()
    }

    #[test]
    fn a_covered_finding_is_suppressed_with_its_entry_as_the_reason() {
        let b = baseline("version = 1\n[[finding]]\nrule = \"r\"\npath = \"a.py\"\nfingerprint = \"f\"\nreason = \"old test key\"\n\n[[finding]]\nrule = \"r\"\npath = \"gone.py\"\nfingerprint = \"x\"\n");
        let use_ = BaselineUse {
            baseline: &b,
            file: ".diffward-baseline.toml".into(),
            renames: vec![],
            base_entries: Some(HashMap::new()),
            preused: HashMap::new(),
            unsuppressible: HashSet::new(),
            scanned: ["a.py", "gone.py"].map(String::from).into(),
            judging: Judging::Files,
        };
        let mut reported = vec![
            finding("r", "a.py", "f", Severity::High),
            finding("r", "a.py", "f", Severity::High),
        ];
        let mut suppressed = vec![];
        let out = apply_baseline(&mut reported, &mut suppressed, &use_, Date::today());
        assert_eq!((reported.len(), suppressed.len(), out.covered), (1, 1, 1));
        let s = suppressed[0].suppression.as_ref().unwrap();
        assert_eq!(s.kind, SuppressionKind::External);
        assert_eq!(s.justification, "old test key");
        assert_eq!((s.path.as_str(), s.line), (".diffward-baseline.toml", 2));
        assert!(s.added_by_change, "the base side had no such entry");
        assert_eq!(out.unused.len(), 1);
        assert_eq!(out.unused[0].path, "gone.py");
    }

    #[test]
    fn an_expired_entry_reports_its_finding_and_says_so() {
        let b = baseline("version = 1\n[[finding]]\nrule = \"r\"\npath = \"a.py\"\nfingerprint = \"f\"\nexpires = \"2001-02-03\"\n");
        let use_ = BaselineUse {
            baseline: &b,
            file: "bl.toml".into(),
            renames: vec![],
            base_entries: None,
            preused: HashMap::new(),
            unsuppressible: HashSet::new(),
            scanned: ["a.py", "gone.py"].map(String::from).into(),
            judging: Judging::Files,
        };
        let mut reported = vec![finding("r", "a.py", "f", Severity::Low)];
        let mut suppressed = vec![];
        let out = apply_baseline(&mut reported, &mut suppressed, &use_, Date::today());
        assert_eq!((reported.len(), out.expired), (1, 1));
        assert!(reported[0].message.contains("expired on 2001-02-03"));
        assert!(
            out.unused.is_empty(),
            "an expired entry that matched is not unused"
        );
    }

    #[test]
    fn only_high_findings_silenced_by_an_ai_commit_of_the_change_come_back() {
        let sup = |line, added| Suppression {
            kind: SuppressionKind::InSource,
            justification: "because".into(),
            path: "a.py".into(),
            line,
            last_line: line,
            added_by_change: added,
            owner: None,
            expires: None,
        };
        let mut high_ai = finding("r", "a.py", "1", Severity::High);
        high_ai.suppression = Some(sup(3, true));
        let mut high_old = finding("r", "a.py", "2", Severity::Critical);
        high_old.suppression = Some(sup(4, false));
        let mut low_ai = finding("r", "a.py", "3", Severity::Medium);
        low_ai.suppression = Some(sup(3, true));
        let mut high_person = finding("r", "a.py", "4", Severity::High);
        high_person.suppression = Some(sup(9, true));
        let mut suppressed = vec![high_ai, high_old, low_ai, high_person];
        let mut reported = vec![];
        let back = overrule_ai_suppressions(&mut reported, &mut suppressed, |s| {
            (s.line == 3).then(|| "an AI-assisted commit, abc1234 (Claude Code)".to_string())
        });
        assert_eq!(back, 1);
        assert_eq!(reported[0].fingerprint, "1");
        assert!(reported[0].suppression.is_none());
        assert!(
            reported[0].message.contains(
                "allow comment on line 3 was added by an AI-assisted commit, abc1234 (Claude Code)"
            ),
            "{}",
            reported[0].message
        );
        assert_eq!(suppressed.len(), 3);
    }
}
