//! Inline allow comments: a finding is not reported when its first line, or the line above it,
//! carries `diffward:allow <rule-id or category> <reason>`. The reason is required: an allow
//! without one is ignored, so every exception says why it exists. For secrets, the markers of
//! other scanners (`gitleaks:allow`, detect-secrets' `pragma: allowlist secret` and
//! `pragma: allowlist nextline secret`) are honoured too, so existing exceptions keep working.

use crate::finding::Category;

const MARKER: &str = "diffward:allow";

/// Whether `line` allows a finding of `rule_id` (in `category`).
pub fn line_allows(line: &str, rule_id: &str, category: Category) -> bool {
    allow_reason(line, rule_id, category).is_some()
}

/// The reason `line` gives for allowing a finding of `rule_id` (in `category`), when it does.
/// Another scanner's marker has no reason of its own: it is named instead.
pub fn allow_reason(line: &str, rule_id: &str, category: Category) -> Option<String> {
    if category == Category::Secrets {
        if let Some(m) = FOREIGN_MARKERS.iter().find(|m| line.contains(*m)) {
            return Some(format!("`{m}`"));
        }
    }
    let mut rest = line;
    while let Some(at) = rest.find(MARKER) {
        rest = &rest[at + MARKER.len()..];
        if let Some((ids, reason)) = parse_allow(rest) {
            let names = ids.split(',').map(str::trim);
            if reason_is_real(reason)
                && names
                    .clone()
                    .any(|n| n == rule_id || n == category.as_str())
            {
                return Some(reason.to_string());
            }
        }
    }
    None
}

/// Other secret scanners' allow markers, honoured for secrets so existing exceptions keep
/// working (`pragma: allowlist nextline secret` contains the text of neither other one).
const FOREIGN_MARKERS: &[&str] = &[
    "gitleaks:allow",
    "pragma: allowlist secret",
    "pragma: allowlist nextline secret",
];

/// Whether a line holds only a comment (`#`, `//`, `/*`, `*`, `--`, `<!--`, `;`, `%`, `{#`,
/// `"""`): such a line's allow covers the line below it.
pub fn is_comment_line(line: &str) -> bool {
    let t = line.trim_start();
    [
        "#", "//", "/*", "*", "--", "<!--", ";", "%", "{#", "{{!--", "<%#", "\"\"\"", "\'\'\'",
        "rem ", "REM ",
    ]
    .iter()
    .any(|p| t.starts_with(p))
}

/// `<ids> <reason>` after the marker: the ids, and the reason up to a comment closer.
fn parse_allow(after_marker: &str) -> Option<(&str, &str)> {
    let text = after_marker.strip_prefix(':').unwrap_or(after_marker);
    if !text.starts_with(char::is_whitespace) {
        return None;
    }
    let text = text.trim_start();
    let (ids, reason) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let reason = ["*/", "-->", "#}", "%>"]
        .iter()
        .fold(reason, |r, closer| r.split(closer).next().unwrap_or(r));
    let reason = reason.trim().trim_start_matches("--").trim();
    Some((ids.trim_end_matches(':'), reason))
}

/// A reason must say something: at least one word of three letters or more.
fn reason_is_real(reason: &str) -> bool {
    reason
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w.chars().count() >= 3)
}

/// Whether an allow comment is present on a line but gives no reason (for rules that flag it).
pub fn allow_without_reason(line: &str) -> bool {
    line.match_indices(MARKER).any(|(at, _)| {
        parse_allow(&line[at + MARKER.len()..]).is_some_and(|(_, reason)| !reason_is_real(reason))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_needs_a_matching_id_and_a_reason() {
        let id = "secrets/aws-access-key-id";
        let c = Category::Secrets;
        assert!(line_allows(
            "k = 'x'  # diffward:allow secrets/aws-access-key-id test fixture",
            id,
            c
        ));
        assert!(line_allows(
            "// diffward:allow secrets -- documented example key",
            id,
            c
        ));
        assert!(line_allows(
            "/* diffward:allow auth/x,secrets/aws-access-key-id: sample */",
            id,
            c
        ));
        assert!(!line_allows(
            "# diffward:allow secrets/aws-access-key-id",
            id,
            c
        ));
        assert!(!line_allows(
            "# diffward:allow auth/tls-verify-disabled-python local dev only",
            id,
            c
        ));
        assert!(!line_allows("# diffward:allowsecrets reason here", id, c));
        assert!(line_allows("key = 'x' # gitleaks:allow", id, c));
        assert!(!line_allows(
            "verify=False # gitleaks:allow",
            "auth/tls",
            Category::Auth
        ));
    }

    #[test]
    fn allow_without_reason_is_detected() {
        assert!(allow_without_reason(
            "# diffward:allow checks/pytest-skip-added"
        ));
        assert!(allow_without_reason("/* diffward:allow auth */"));
        assert!(!allow_without_reason(
            "# diffward:allow auth/x flaky upstream, see #12"
        ));
        assert!(!allow_without_reason("no marker here"));
    }
}
