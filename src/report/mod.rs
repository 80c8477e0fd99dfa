//! Reports: findings in, text out. Each format only formats; none of them scans or decides.

pub mod escape;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
pub mod summary;

use std::path::Path;

use crate::engine::ScanStats;
use crate::finding::{Finding, Notification, Severity};
use crate::rules::RuleSet;
use crate::source::RepoInfo;

/// Everything a report may show.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    /// Findings an allow comment or the baseline keeps out of the report.
    pub suppressed: &'a [Finding],
    /// Show the suppressed findings too (SARIF with `suppressions`).
    pub include_suppressed: bool,
    /// What the baseline did, when the scan used one.
    pub baseline: Option<&'a BaselineReport>,
    pub notifications: &'a [Notification],
    pub rules: &'a RuleSet,
    pub stats: &'a ScanStats,
    pub repo: Option<&'a RepoInfo>,
    pub root: &'a Path,
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable diagnostics with source snippets and a summary.
    Human,
    /// diffward's JSON document.
    Json,
    /// SARIF 2.1.0, ready for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
}

/// Options that change how a report looks, not what it says.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    pub color: bool,
    /// Terminal width for human output.
    pub width: usize,
}

pub fn render(format: Format, report: &Report<'_>, style: Style) -> String {
    match format {
        Format::Human => human::render(report, style),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => github::render(report),
    }
}

/// What a scan's baseline covered, and what in it covered nothing.
#[derive(Debug, Clone, Default)]
pub struct BaselineReport {
    /// The baseline file, as the user named it.
    pub file: String,
    pub covered: usize,
    /// Findings reported because their entry expired.
    pub expired: usize,
    /// Entries that covered no finding.
    pub unused: Vec<crate::suppress::baseline::Entry>,
    /// List the unused entries (`--report-unused`), not only count them.
    pub show_unused: bool,
    /// Suppressions an AI-assisted commit added that were not allowed to silence a finding.
    pub overruled: usize,
}

/// A commit that an AI coding agent wrote or co-wrote, and how many findings it introduced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiCommit {
    pub commit: String,
    pub assistant: Option<String>,
    pub findings: usize,
}

/// The AI-assisted commits the findings came from, in the order of their first finding.
pub fn ai_commits(findings: &[Finding]) -> Vec<AiCommit> {
    let mut out: Vec<AiCommit> = Vec::new();
    for p in findings
        .iter()
        .filter_map(|f| f.provenance.as_ref())
        .filter(|p| p.ai_assisted)
    {
        match out.iter_mut().find(|c| c.commit == p.commit) {
            Some(c) => c.findings += 1,
            None => out.push(AiCommit {
                commit: p.commit.clone(),
                assistant: p.assistant.clone(),
                findings: 1,
            }),
        }
    }
    out
}

/// `{findings, commits: [{commit, assistant, findings}]}`, as JSON and SARIF carry it.
pub fn ai_commits_json(ai: &[AiCommit]) -> serde_json::Value {
    serde_json::json!({
        "findings": ai.iter().map(|c| c.findings).sum::<usize>(),
        "commits": ai.iter().map(|c| serde_json::json!({
            "commit": c.commit,
            "assistant": c.assistant,
            "findings": c.findings,
        })).collect::<Vec<_>>(),
    })
}

/// Findings per severity, most severe first, leaving out zero counts.
pub fn severity_counts(findings: &[Finding]) -> Vec<(Severity, usize)> {
    Severity::ALL_DESC
        .iter()
        .map(|&s| (s, findings.iter().filter(|f| f.severity == s).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Every paragraph of a markdown help text, each folded onto one line; a fenced code block
/// keeps its lines (without the fences), for YAML cannot be read folded.
pub fn paragraphs(markdown: &str) -> Vec<String> {
    markdown
        .trim()
        .split("\n\n")
        .map(|p| {
            let t = p.trim();
            match t.strip_prefix("```") {
                Some(code) => {
                    let body = code.split_once('\n').map_or("", |(_, b)| b);
                    let body = body.trim_end().trim_end_matches("```").trim_end();
                    let indent = body
                        .lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(|l| l.len() - l.trim_start().len())
                        .min()
                        .unwrap_or(0);
                    body.lines()
                        .map(|l| format!("  {}", l.get(indent..).unwrap_or(l.trim_start())))
                        .collect::<Vec<_>>()
                        .join("\n")
                }
                None => t.split_whitespace().collect::<Vec<_>>().join(" "),
            }
        })
        .filter(|p| !p.trim().is_empty())
        .collect()
}

/// The first paragraph of a markdown help text, as plain text on one line.
pub fn first_paragraph(markdown: &str) -> String {
    let para = markdown
        .trim()
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    para
}

#[cfg(test)]
mod paragraph_tests {
    #[test]
    fn code_blocks_keep_their_lines() {
        let p = super::paragraphs(
            "Why it matters,\nfolded.\n\n```yaml\njobs:\n  a:\n    permissions: {}\n```\n",
        );
        assert_eq!(
            p,
            vec![
                "Why it matters, folded.".to_string(),
                "  jobs:\n    a:\n      permissions: {}".to_string()
            ]
        );
    }
}
