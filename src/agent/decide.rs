//! From findings to a decision, with a reason written for the agent that must act on it.

use super::Decision;
use crate::finding::{Confidence, Finding, Severity};
use crate::rules::RuleSet;

/// At most this many findings are spelled out in a reason; the rest are counted.
const SHOWN: usize = 8;

/// Refuse when a finding reaches `fail_at` (and `min_confidence`); the findings below are
/// returned as context for an allowed call, so the agent still hears of them.
pub fn decide(
    findings: &[Finding],
    rules: &RuleSet,
    fail_at: Option<Severity>,
    min_confidence: Confidence,
) -> (Decision, Option<String>) {
    let blocks =
        |f: &Finding| fail_at.is_some_and(|t| f.severity >= t) && f.confidence >= min_confidence;
    let (blocking, rest): (Vec<&Finding>, Vec<&Finding>) = findings.iter().partition(|f| blocks(f));
    if !blocking.is_empty() {
        let mut names: Vec<String> = blocking
            .iter()
            .map(|f| format!("{} in {}:{}", f.rule_id, f.path, f.region.start_line))
            .collect();
        names.dedup();
        let more = names.len().saturating_sub(3);
        names.truncate(3);
        let mut reason = format!(
            "diffward refused this change: it adds {} at or above {} ({}{}).\n",
            count(blocking.len(), "risk", "risks"),
            fail_at.map_or("never", |s| s.as_str()),
            names.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
        reason.push_str(&list(&blocking, rules, true));
        reason.push_str(
            "Fix the code and try again. An allow comment or a baseline entry that you add does \
             not silence a critical or high finding of your own change; if the user wants an \
             exception, ask them to add it.\n",
        );
        return (Decision { deny: true, reason }, None);
    }
    let context = (!rest.is_empty()).then(|| {
        format!(
            "diffward allowed this change and notes {}:\n{}",
            count(rest.len(), "lower risk", "lower risks"),
            list(&rest, rules, false)
        )
    });
    (
        Decision {
            deny: false,
            reason: String::new(),
        },
        context,
    )
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One line per finding (severity, rule, place, message), with how to fix it when `fix`.
fn list(findings: &[&Finding], rules: &RuleSet, fix: bool) -> String {
    let mut out = String::new();
    for f in findings.iter().take(SHOWN) {
        out.push_str(&format!(
            "- {} {} at {}:{}: {}\n",
            f.severity, f.rule_id, f.path, f.region.start_line, f.message
        ));
        if fix {
            if let Some(r) = rules.get(&f.rule_id) {
                let how = crate::report::paragraphs(&r.help);
                if let Some(last) = how.last().filter(|p| !p.starts_with("  ")) {
                    out.push_str(&format!("  fix: {last}\n"));
                }
            }
        }
    }
    if findings.len() > SHOWN {
        out.push_str(&format!("- and {} more\n", findings.len() - SHOWN));
    }
    out
}
