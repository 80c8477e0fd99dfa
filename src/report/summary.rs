//! A GitHub job summary: the scan in a few lines of markdown, for the run's summary page.
//!
//! It names rules, categories, commits and counts only. Snippets and messages stay out: a
//! message can quote a masked secret's prefix, and the summary page is read by everyone who can
//! see the run, so the less it repeats of the change, the less it can leak.

use super::{escape, severity_counts, Report};
use crate::finding::{Category, Finding, Severity};

/// How many characters of a commit id the summary shows (as the human output does).
const SHORT_SHA: usize = 10;

/// Text from the scan made inert inside a markdown table cell: a pipe would end the cell, a
/// newline the row, and the other punctuation would turn an agent's name (which a commit
/// message chooses) into links, emphasis or HTML.
pub fn cell(s: &str) -> String {
    let one_line = s.replace("\r\n", " ").replace(['\n', '\r'], " ");
    let mut out = String::with_capacity(one_line.len());
    for c in escape::line(&one_line).chars() {
        if matches!(
            c,
            '\\' | '`'
                | '|'
                | '*'
                | '_'
                | '['
                | ']'
                | '<'
                | '>'
                | '#'
                | '!'
                | '~'
                | '&'
                | '('
                | ')'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `diffward: 2 findings (1 critical, 1 high)`
fn heading(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "## diffward: no findings\n".into();
    }
    let counts = severity_counts(findings)
        .into_iter()
        .map(|(s, c)| format!("{c} {s}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "## diffward: {} ({counts})\n",
        plural(findings.len(), "finding", "findings")
    )
}

/// One row per (severity, rule), most severe first, then by rule id.
fn rule_rows(findings: &[Finding]) -> Vec<(Severity, &str, Category, usize)> {
    let mut rows: Vec<(Severity, &str, Category, usize)> = Vec::new();
    for f in findings {
        match rows
            .iter_mut()
            .find(|r| r.0 == f.severity && r.1 == f.rule_id)
        {
            Some(r) => r.3 += 1,
            None => rows.push((f.severity, &f.rule_id, f.category, 1)),
        }
    }
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    rows
}

fn rules_table(findings: &[Finding]) -> String {
    let mut s = String::from("| Severity | Rule | Category | Count |\n|---|---|---|---:|\n");
    for (severity, rule, category, n) in rule_rows(findings) {
        s.push_str(&format!(
            "| {severity} | {} | {category} | {n} |\n",
            cell(rule)
        ));
    }
    s
}

/// Each AI-assisted commit that introduced a finding, with its agent and how many.
fn ai_table(rows: &[super::AiCommit]) -> String {
    let mut s =
        String::from("### AI-assisted commits\n\n| Commit | Agent | Findings |\n|---|---|---:|\n");
    for c in rows {
        let short: String = c.commit.chars().take(SHORT_SHA).collect();
        let agent = c.assistant.as_deref().unwrap_or("an AI assistant");
        s.push_str(&format!(
            "| {} | {} | {} |\n",
            cell(&short),
            cell(agent),
            c.findings
        ));
    }
    s
}

fn scanned_line(report: &Report<'_>) -> String {
    let s = report.stats;
    format!(
        "{}, {} scanned.\n",
        plural(s.files_scanned, "file", "files"),
        plural(s.added_lines as usize, "added line", "added lines")
    )
}

/// The job summary of a scan, as markdown.
pub fn render(report: &Report<'_>) -> String {
    let findings = report.findings;
    let mut out = heading(findings);
    out.push('\n');
    if findings.is_empty() {
        out.push_str("No risk found in this change. ");
    } else {
        out.push_str(&rules_table(findings));
        out.push('\n');
    }
    out.push_str(&scanned_line(report));
    let ai = super::ai_commits(findings);
    if !ai.is_empty() {
        out.push('\n');
        out.push_str(&ai_table(&ai));
    }
    let notes = report.notifications.len();
    let allowed = report.stats.allowed_by_comment;
    let baselined = report.baseline.map_or(0, |b| b.covered);
    if notes > 0 || allowed > 0 || baselined > 0 {
        out.push('\n');
    }
    if notes > 0 {
        out.push_str(&format!(
            "{} (files that could not be scanned; the log lists them).\n",
            plural(notes, "notification", "notifications")
        ));
    }
    if allowed > 0 {
        out.push_str(&format!(
            "{} allowed by an allow comment.\n",
            plural(allowed, "finding", "findings")
        ));
    }
    if let Some(b) = report.baseline.filter(|b| b.covered > 0) {
        out.push_str(&format!(
            "{} accepted by the baseline `{}`.\n",
            plural(b.covered, "finding", "findings"),
            cell(&b.file)
        ));
    }
    out.push('\n');
    out
}

/// Add the summary to `path` (GitHub's `$GITHUB_STEP_SUMMARY` collects what every step
/// appends), creating it when it does not exist.
pub fn append(path: &std::path::Path, report: &Report<'_>) -> miette::Result<()> {
    use miette::{Context, IntoDiagnostic};
    use std::io::Write;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(render(report).as_bytes()))
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write the summary to {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ScanStats;
    use crate::finding::{Confidence, Notification, Provenance, Region, Side};
    use crate::rules::RuleSet;
    use std::path::Path;

    fn finding(rule: &str, severity: Severity, provenance: Option<Provenance>) -> Finding {
        Finding {
            rule_id: rule.into(),
            category: Category::Secrets,
            severity,
            confidence: Confidence::High,
            message: "A key (AKIA… (20 chars)) is hardcoded".into(),
            path: "app/settings.py".into(),
            region: Region {
                start_line: 2,
                start_column: 1,
                end_line: 2,
                end_column: 5,
            },
            side: Side::Head,
            snippet: "KEY = 'AKIA****'".into(),
            snippet_truncated: false,
            fingerprint: "f".into(),
            secret: None,
            checksum_valid: None,
            provenance,
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

    fn by(commit: &str, assistant: Option<&str>, ai: bool) -> Option<Provenance> {
        Some(Provenance {
            commit: commit.into(),
            author: "Dev".into(),
            ai_assisted: ai,
            assistant: assistant.map(str::to_string),
        })
    }

    fn summary(findings: &[Finding], notifications: &[Notification]) -> String {
        let rules = RuleSet::new(Vec::new());
        let stats = ScanStats {
            files_scanned: 3,
            added_lines: 7,
            ..ScanStats::default()
        };
        render(&Report {
            findings,
            suppressed: &[],
            include_suppressed: false,
            baseline: None,
            notifications,
            rules: &rules,
            stats: &stats,
            repo: None,
            root: Path::new("."),
        })
    }

    #[test]
    fn table_cells_cannot_break_the_table_or_inject_markup() {
        assert_eq!(cell("a|b"), "a\\|b");
        assert_eq!(cell("line\nnext\r\nlast"), "line next last");
        assert_eq!(cell("`code`"), "\\`code\\`");
        assert_eq!(
            cell("[x](https://e.test)<img>"),
            "\\[x\\]\\(https://e.test\\)\\<img\\>"
        );
        assert_eq!(cell("esc\x1b[2J"), "esc\\\\x1b\\[2J");
        assert_eq!(
            cell("secrets/aws-access-key-id"),
            "secrets/aws-access-key-id"
        );
    }

    #[test]
    fn findings_are_counted_by_severity_and_rule() {
        let s = summary(
            &[
                finding("secrets/aws-access-key-id", Severity::Critical, None),
                finding("auth/tls-verify-disabled", Severity::High, None),
                finding("secrets/aws-access-key-id", Severity::Critical, None),
            ],
            &[],
        );
        assert!(
            s.starts_with("## diffward: 3 findings (2 critical, 1 high)\n"),
            "{s}"
        );
        let critical = s.find("| critical | secrets/aws-access-key-id | secrets | 2 |");
        let high = s.find("| high | auth/tls-verify-disabled | secrets | 1 |");
        assert!(
            critical.is_some() && high.is_some() && critical < high,
            "{s}"
        );
        assert!(s.contains("3 files, 7 added lines scanned."), "{s}");
        assert!(!s.contains("AKIA"), "no message or snippet reaches it: {s}");
        assert!(!s.contains("AI-assisted"), "{s}");
    }

    #[test]
    fn ai_assisted_commits_are_named_with_their_agent_and_count() {
        let claude = "0123456789abcdef0123456789abcdef01234567";
        let s = summary(
            &[
                finding("a/x", Severity::High, by(claude, Some("Claude"), true)),
                finding("a/y", Severity::Low, by(claude, Some("Claude"), true)),
                finding("a/z", Severity::Low, by("fedcba9876543210", None, true)),
                finding("a/w", Severity::Low, by("1111111111111111", None, false)),
            ],
            &[],
        );
        assert!(s.contains("### AI-assisted commits"), "{s}");
        assert!(s.contains("| 0123456789 | Claude | 2 |"), "{s}");
        assert!(s.contains("| fedcba9876 | an AI assistant | 1 |"), "{s}");
        assert!(
            !s.contains("1111111111"),
            "a person's commit is not listed: {s}"
        );
    }

    #[test]
    fn an_agent_name_from_a_commit_cannot_forge_rows() {
        let s = summary(
            &[finding(
                "a/x",
                Severity::High,
                by("abc", Some("Bot | 9 |\n| evil"), true),
            )],
            &[],
        );
        assert!(s.contains("| abc | Bot \\| 9 \\| \\| evil | 1 |"), "{s}");
    }

    #[test]
    fn an_empty_scan_says_nothing_was_found() {
        let s = summary(
            &[],
            &[Notification {
                path: "big.bin".into(),
                message: "binary".into(),
            }],
        );
        assert!(s.starts_with("## diffward: no findings\n"), "{s}");
        assert!(s.contains("No risk found in this change."), "{s}");
        assert!(!s.contains("| Severity |"), "{s}");
        assert!(s.contains("1 notification (files"), "{s}");
    }
}
