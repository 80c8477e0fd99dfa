//! diffward's own JSON document: findings, notifications and counts, without timings, so the
//! same input gives the same bytes.

use serde_json::json;

use super::{severity_counts, Report};

pub fn render(report: &Report<'_>) -> String {
    let by_severity: serde_json::Map<String, serde_json::Value> = severity_counts(report.findings)
        .into_iter()
        .map(|(s, n)| (s.as_str().to_string(), json!(n)))
        .collect();
    let findings: Vec<serde_json::Value> = report
        .findings
        .iter()
        .map(|f| {
            let rule = report.rules.get(&f.rule_id);
            let mut v = serde_json::to_value(f).unwrap_or_default();
            if let (Some(obj), Some(rule)) = (v.as_object_mut(), rule) {
                obj.insert("title".into(), json!(rule.title));
                obj.insert("diff".into(), json!(rule.diff.as_str()));
                obj.insert("cwe".into(), json!(rule.cwe));
            }
            v
        })
        .collect();
    let doc = json!({
        "version": 1,
        "tool": { "name": "diffward", "version": env!("CARGO_PKG_VERSION") },
        "findings": findings,
        "notifications": report.notifications,
        "summary": {
            "findings": report.findings.len(),
            "by_severity": by_severity,
            "files_scanned": report.stats.files_scanned,
            "bytes_scanned": report.stats.bytes_scanned,
            "added_lines": report.stats.added_lines,
            "allowed_by_comment": report.stats.allowed_by_comment,
        },
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
