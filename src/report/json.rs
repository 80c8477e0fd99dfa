//! diffward's own JSON document: findings, notifications and counts, without timings, so the
//! same input gives the same bytes.

use serde_json::json;

use super::{severity_counts, Report};

pub fn render(report: &Report<'_>) -> String {
    let by_severity: serde_json::Map<String, serde_json::Value> = severity_counts(report.findings)
        .into_iter()
        .map(|(s, n)| (s.as_str().to_string(), json!(n)))
        .collect();
    let one = |f: &crate::finding::Finding| {
        let rule = report.rules.get(&f.rule_id);
        let mut v = serde_json::to_value(f).unwrap_or_default();
        if let (Some(obj), Some(rule)) = (v.as_object_mut(), rule) {
            obj.insert("title".into(), json!(rule.title));
            obj.insert("diff".into(), json!(rule.diff.as_str()));
            obj.insert("cwe".into(), json!(rule.cwe));
        }
        v
    };
    let findings: Vec<serde_json::Value> = report.findings.iter().map(one).collect();
    let ai = super::ai_commits(report.findings);
    let by_kind = |k: crate::finding::SuppressionKind| {
        report
            .suppressed
            .iter()
            .filter(|f| f.suppression.as_ref().is_some_and(|s| s.kind == k))
            .count()
    };
    let doc = json!({
        "version": 1,
        "tool": { "name": "diffward", "version": env!("CARGO_PKG_VERSION") },
        "findings": findings,
        "notifications": report.notifications,
        "summary": {
            "findings": report.findings.len(),
            "suppressed": {
                "by_comment": by_kind(crate::finding::SuppressionKind::InSource),
                "by_baseline": by_kind(crate::finding::SuppressionKind::External),
            },
            "ai_assisted": super::ai_commits_json(&ai),
            "by_severity": by_severity,
            "files_scanned": report.stats.files_scanned,
            "bytes_scanned": report.stats.bytes_scanned,
            "added_lines": report.stats.added_lines,
            "allowed_by_comment": report.stats.allowed_by_comment,
        },
    });
    let mut doc = doc;
    if let Some(obj) = doc.as_object_mut() {
        if report.include_suppressed {
            obj.insert(
                "suppressed".into(),
                json!(report.suppressed.iter().map(one).collect::<Vec<_>>()),
            );
        }
        if let Some(b) = report.baseline {
            obj.insert(
                "baseline".into(),
                json!({
                    "file": b.file,
                    "covered": b.covered,
                    "expired": b.expired,
                    "overruled": b.overruled,
                    "unused": b.unused.iter().map(|e| json!({
                        "rule": e.rule,
                        "path": e.path,
                        "fingerprint": e.fingerprint,
                        "line": e.line,
                    })).collect::<Vec<_>>(),
                }),
            );
        }
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
