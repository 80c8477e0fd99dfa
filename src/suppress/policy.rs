//! The decisions about suppressed findings, once every finding of a scan is known (see the
//! module above for the order and the reasons).

use std::collections::HashSet;

use super::baseline::{Baseline, Cover, Date, Entry, Matcher};
use crate::finding::{Finding, Severity, Suppression, SuppressionKind};

/// A baseline as one scan uses it.
pub struct BaselineUse<'a> {
    pub baseline: &'a Baseline,
    /// The baseline file's path, relative to the repository root (for locations).
    pub file: String,
    /// Files renamed since the baseline's commit: (path then, path now).
    pub renames: Vec<(String, String)>,
    /// The keys (rule, path, fingerprint) of the baseline on the base side of the change; an
    /// entry not among them was added by the change. `None` when the scan has no base side (a
    /// plain scan of files), so nothing counts as added.
    pub base_keys: Option<HashSet<(String, String, String)>>,
    /// Rules no baseline entry can silence (tag `unsuppressible`: the reports of suppressions).
    pub unsuppressible: HashSet<String>,
    /// The files the scan read: only an entry of one of them can be found unused (a scan of a
    /// pull request says nothing about the entries of files it did not touch).
    pub scanned: HashSet<String>,
    /// The scan read commits (a range), so it can tell an entry found in the history only.
    pub reads_history: bool,
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
    let mut matcher = Matcher::new(use_.baseline, &use_.renames, today);
    let mut out = BaselineOutcome::default();
    let mut kept = Vec::with_capacity(reported.len());
    for mut f in std::mem::take(reported) {
        if use_.unsuppressible.contains(&f.rule_id) {
            kept.push(f);
            continue;
        }
        match matcher.cover(&f.rule_id, &f.path, &f.fingerprint) {
            Cover::Covered(e) => {
                let added = use_.base_keys.as_ref().is_some_and(|keys| {
                    !keys.contains(&(e.rule.clone(), e.path.clone(), e.fingerprint.clone()))
                });
                f.suppression = Some(Suppression {
                    kind: SuppressionKind::External,
                    justification: e
                        .reason
                        .clone()
                        .unwrap_or_else(|| "accepted in the baseline".into()),
                    path: use_.file.clone(),
                    line: e.line,
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
    let judged = |e: &Entry| {
        let path = e.path.as_str();
        let read = use_.scanned.contains(path)
            || use_
                .renames
                .iter()
                .any(|(then, now)| then == path && use_.scanned.contains(now));
        read && (!e.history || use_.reads_history)
    };
    out.unused = matcher
        .unused()
        .into_iter()
        .filter(|e| judged(e))
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
                    " (not silenced: {what} was added by an AI-assisted commit, {commit}, and only a person may accept a {} finding)",
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
            base_keys: Some(HashSet::new()),
            unsuppressible: HashSet::new(),
            scanned: ["a.py", "gone.py"].map(String::from).into(),
            reads_history: false,
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
            base_keys: None,
            unsuppressible: HashSet::new(),
            scanned: ["a.py", "gone.py"].map(String::from).into(),
            reads_history: false,
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
            (s.line == 3).then(|| "abc1234 (Claude Code)".to_string())
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
