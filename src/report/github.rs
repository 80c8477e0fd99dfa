//! GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

use super::Report;
use crate::finding::Level;

fn escape_data(s: &str) -> String {
    super::escape::block(s, (0, 0))
        .0
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report<'_>) -> String {
    let mut out = String::new();
    for f in report.findings {
        let command = match f.severity.level() {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "notice",
        };
        let title = report
            .rules
            .get(&f.rule_id)
            .map_or(f.rule_id.as_str(), |r| r.title.as_str());
        out.push_str(&format!(
            "::{command} file={},line={},endLine={},col={},endColumn={},title={}::{}\n",
            escape_property(&f.path),
            f.region.start_line,
            f.region.end_line,
            f.region.start_column,
            f.region.end_column,
            escape_property(&format!("{} ({})", title, f.rule_id)),
            escape_data(&format!("[{}] {}", f.severity, f.message)),
        ));
    }
    for n in report.notifications {
        out.push_str(&format!(
            "::warning file={},title=diffward::{}\n",
            escape_property(&n.path),
            escape_data(&n.message)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_workflow_command_syntax() {
        assert_eq!(escape_property("a,b:c%\n"), "a%2Cb%3Ac%25%0A");
    }
}
