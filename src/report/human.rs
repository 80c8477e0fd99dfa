//! Readable output: one miette diagnostic per finding, with its (redacted) snippet and the rule's
//! advice, then the notifications and a summary line.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::{escape, paragraphs, severity_counts, Report, Style};
use crate::finding::{Finding, Level, Side};

/// A few lines of a file that start at `first_line`, so miette shows true line numbers.
struct Excerpt {
    name: String,
    text: String,
    first_line: usize,
    /// Columns cut from the start of a clipped line, so miette still names the true column.
    column_shift: usize,
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            inner.column() + self.column_shift,
            inner.line_count(),
        )))
    }
}

struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    help: Option<String>,
    url: Option<String>,
    source: Excerpt,
    label: String,
    /// The highlight inside `source.text` (after escaping).
    highlight: (usize, usize),
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.rule_id)
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}, {} confidence] {}",
            self.finding.severity,
            self.finding.confidence.as_str(),
            escape::line(&self.finding.message)
        )
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.finding.rule_id))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity.level() {
            Level::Error => miette::Severity::Error,
            Level::Warning => miette::Severity::Warning,
            Level::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.url
            .as_ref()
            .map(|u| Box::new(u) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (a, b) = self.highlight;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(
                Some(self.label.clone()),
                SourceSpan::from((a, b - a)),
            ),
        )))
    }
}

fn diagnostic<'a>(report: &Report<'_>, f: &'a Finding) -> FindingDiagnostic<'a> {
    let rule = report.rules.get(&f.rule_id);
    let mut label = rule.map_or_else(|| f.rule_id.clone(), |r| r.title.clone());
    if let Some(p) = &f.provenance {
        label.push_str(&format!(
            " (commit {}{}, {})",
            &p.commit[..p.commit.len().min(10)],
            match (&p.assistant, p.ai_assisted) {
                (Some(a), _) => format!(", written with {a}"),
                (None, true) => ", AI-assisted".to_string(),
                _ => String::new(),
            },
            p.author
        ));
    }
    if f.side == Side::Base {
        label.push_str(" (in the deleted file)");
    }
    if f.snippet_truncated {
        label.push_str(" (long line clipped around the match)");
    }
    // Where the highlight sits on its context line, against the true column.
    let (hl, _) = f.highlight;
    let line_start = f.context[..hl.min(f.context.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    // miette counts the column of the excerpt in bytes.
    let shown_column = hl.min(f.context.len()) - line_start;
    let column_shift = (f.region.start_column as usize)
        .saturating_sub(1)
        .saturating_sub(shown_column);
    let (text, highlight) = escape::block(&f.context, f.highlight);
    FindingDiagnostic {
        finding: f,
        highlight,
        // Why it matters, then how to fix it: the whole help, a paragraph a line.
        help: rule.map(|r| paragraphs(&r.help).join("\n")),
        url: rule.and_then(|r| r.references.first().cloned()),
        source: Excerpt {
            name: escape::line(&f.path).into_owned(),
            text,
            first_line: f.context_first_line.saturating_sub(1) as usize,
            column_shift,
        },
        label: escape::line(&label).into_owned(),
    }
}

pub fn render(report: &Report<'_>, style: Style) -> String {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width.max(60))
        .with_context_lines(2)
        .with_links(style.color);
    let mut out = String::new();
    for f in report.findings {
        let d = diagnostic(report, f);
        let mut s = String::new();
        if handler.render_report(&mut s, &d).is_ok() {
            out.push_str(&s);
            if !s.ends_with('\n') {
                out.push('\n');
            }
            out.push('\n');
        }
    }
    for n in report.notifications {
        out.push_str(&format!(
            "note: {}: {}\n",
            escape::line(&n.path),
            escape::line(&n.message)
        ));
    }
    if !report.notifications.is_empty() {
        out.push('\n');
    }
    out.push_str(&baseline_notes(report));
    out.push_str(&summary(report));
    out
}

/// What the baseline left to say: expired entries, entries that covered nothing (listed with
/// `--report-unused`), suppressions an AI-assisted commit was not allowed to add.
fn baseline_notes(report: &Report<'_>) -> String {
    let Some(b) = report.baseline else {
        return String::new();
    };
    let mut out = String::new();
    if b.expired > 0 {
        out.push_str(&format!(
            "note: {} finding{} reported because {} baseline entr{} expired ({})\n",
            b.expired,
            if b.expired == 1 { " is" } else { "s are" },
            if b.expired == 1 { "its" } else { "their" },
            if b.expired == 1 { "y" } else { "ies" },
            escape::line(&b.file)
        ));
    }
    if !b.unused.is_empty() {
        out.push_str(&format!(
            "note: {} baseline entr{} in {} covered nothing: `diffward baseline update {}` drops {}\n",
            b.unused.len(),
            if b.unused.len() == 1 { "y" } else { "ies" },
            escape::line(&b.file),
            escape::line(&b.file),
            if b.unused.len() == 1 { "it" } else { "them" },
        ));
        if b.show_unused {
            for e in &b.unused {
                out.push_str(&format!(
                    "  unused: {}:{}  {}  {}\n",
                    escape::line(&b.file),
                    e.line,
                    escape::line(&e.rule),
                    escape::line(&e.path)
                ));
            }
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// `diffward: 2 findings (1 critical, 1 high) · 3 files, 41 added lines · 12 ms`
pub fn summary(report: &Report<'_>) -> String {
    let n = report.findings.len();
    let counts = severity_counts(report.findings)
        .into_iter()
        .map(|(s, c)| format!("{c} {s}"))
        .collect::<Vec<_>>()
        .join(", ");
    let findings = match n {
        0 => "no findings".to_string(),
        1 => format!("1 finding ({counts})"),
        _ => format!("{n} findings ({counts})"),
    };
    let s = &report.stats;
    let allowed = match s.allowed_by_comment {
        0 => String::new(),
        k => format!(" · {k} allowed by comment"),
    };
    let baselined = match report.baseline.map_or(0, |b| b.covered) {
        0 => String::new(),
        k => format!(" · {k} in the baseline"),
    };
    let allowed = format!("{allowed}{baselined}");
    let ai = super::ai_commits(report.findings);
    let ai_line = if ai.is_empty() {
        String::new()
    } else {
        let n: usize = ai.iter().map(|c| c.findings).sum();
        let commits = ai
            .iter()
            .map(|c| {
                format!(
                    "{} ({}{})",
                    &c.commit[..c.commit.len().min(10)],
                    c.assistant
                        .as_deref()
                        .map_or_else(String::new, |a| format!("{}, ", escape::line(a))),
                    c.findings
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "diffward: {n} of them from AI-assisted commit{}: {commits}\n",
            if ai.len() == 1 { "" } else { "s" }
        )
    };
    let notes = match report.notifications.len() {
        0 => String::new(),
        1 => " · 1 notification".into(),
        k => format!(" · {k} notifications"),
    };
    format!(
        "diffward: {findings}{allowed} · {} file{}, {} added line{}{notes} · {} ms\n{ai_line}",
        s.files_scanned,
        if s.files_scanned == 1 { "" } else { "s" },
        s.added_lines,
        if s.added_lines == 1 { "" } else { "s" },
        s.elapsed.as_millis()
    )
}
