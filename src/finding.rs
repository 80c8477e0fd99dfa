//! What a scan produces: findings and notifications, as plain data.
//!
//! Nothing here refers to tree-sitter or to the rules' compiled forms, so reports can be written
//! from these types alone.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The six risk categories, one rule pack each.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Secrets,
    Auth,
    Dependencies,
    Credentials,
    Ci,
    Checks,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Secrets,
        Category::Auth,
        Category::Dependencies,
        Category::Credentials,
        Category::Ci,
        Category::Checks,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Secrets => "secrets",
            Category::Auth => "auth",
            Category::Dependencies => "dependencies",
            Category::Credentials => "credentials",
            Category::Ci => "ci",
            Category::Checks => "checks",
        }
    }

    pub fn from_name(s: &str) -> Option<Category> {
        Category::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad a finding is. Ordered from least to most severe.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL_DESC: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// How loudly every output shows it: error for critical and high, warning for medium, a
    /// note below (SARIF `level`, GitHub annotation kind, miette severity).
    pub fn level(self) -> Level {
        match self {
            Severity::Critical | Severity::High => Level::Error,
            Severity::Medium => Level::Warning,
            Severity::Low | Severity::Info => Level::Note,
        }
    }

    /// GitHub's `security-severity`: > 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, below low.
    pub fn security_severity(self) -> &'static str {
        match self {
            Severity::Critical => "9.5",
            Severity::High => "8.0",
            Severity::Medium => "5.5",
            Severity::Low => "3.0",
            Severity::Info => "1.0",
        }
    }
}

/// The three levels outputs know (see `Severity::level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Note,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure a rule is that a match is a true positive (SARIF `precision`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
#[value(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    #[default]
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// A 1-based region; columns count Unicode code points, the end column is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Region {
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

/// Which side of the change a finding's text comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The text after the change (added and `any` findings, and removals located in it).
    Head,
    /// The text before the change: a removal in a file the change deleted.
    Base,
    /// A commit inside the range: a secret that commit added and a later one removed again, so
    /// the head no longer has it but the history does.
    History,
}

/// A secret, described without its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RedactedSecret {
    /// The first few characters, enough to recognise the token type.
    pub prefix: String,
    /// The secret's length in characters.
    pub length: usize,
}

impl fmt::Display for RedactedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}… ({} chars)", self.prefix, self.length)
    }
}

/// The commit that introduced a finding's lines, when the change is a git range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    pub commit: String,
    pub author: String,
    /// The commit names a coding agent as its author, committer or co-author, or carries an
    /// `AI-assisted`/`Assisted-by`/`Generated-by` trailer or an agent's footer.
    pub ai_assisted: bool,
    /// Which agent, when the commit says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assistant: Option<String>,
}

/// How a suppression was made (SARIF's `suppression.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SuppressionKind {
    /// An allow comment in the file.
    InSource,
    /// An entry of a baseline file.
    External,
}

/// What keeps a finding out of the report (see `crate::suppress`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    pub kind: SuppressionKind,
    /// The reason the comment or the entry gives.
    pub justification: String,
    /// The file that holds it: the finding's own file, or the baseline file.
    pub path: String,
    /// Its 1-based line there (0 when it has none, as an entry of a baseline not in a file).
    pub line: u32,
    /// Its last line (a baseline entry spans several).
    #[serde(skip)]
    pub last_line: u32,
    /// The change being scanned added it (an allow comment on an added line, a baseline entry
    /// the base side did not have).
    pub added_by_change: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// One reported risk.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule_id: String,
    pub category: Category,
    pub severity: Severity,
    pub confidence: Confidence,
    /// The rule's message with captures interpolated (secrets redacted).
    pub message: String,
    /// Repository-relative path with `/` separators.
    pub path: String,
    /// The primary region, narrowed to added lines for `added` findings.
    pub region: Region,
    pub side: Side,
    /// The lines of the region, with any secret redacted, long lines clipped around the match.
    pub snippet: String,
    /// A line of the snippet (or of the context) was clipped: the file has very long lines.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub snippet_truncated: bool,
    /// A stable identifier that holds no line number: rule, normalised text and captures.
    pub fingerprint: String,
    pub secret: Option<RedactedSecret>,
    /// For formats with a checksum: whether it holds (it sets the confidence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum_valid: Option<bool>,
    pub provenance: Option<Provenance>,
    /// Set when an allow comment or a baseline entry keeps the finding out of the report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// For a removal: the 1-based line of the base text where the removed match began.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_line: Option<u32>,
    /// For a removal: the path of the base text, when it differs from `path` (a rename).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_path: Option<String>,
    /// A digest of the secret's value (never the value): the same secret found twice.
    #[serde(skip)]
    pub secret_digest: Option<String>,
    /// Which file of the scanned change set the finding came from.
    #[serde(skip)]
    pub change_index: usize,
    /// A few lines around the region, redacted, for human output.
    #[serde(skip)]
    pub context: String,
    /// The 1-based line `context` starts at.
    #[serde(skip)]
    pub context_first_line: u32,
    /// The byte range of the region inside `context`.
    #[serde(skip)]
    pub highlight: (usize, usize),
}

impl Finding {
    pub fn sort_key(&self) -> (&str, Region, &str, &str) {
        (&self.path, self.region, &self.rule_id, &self.fingerprint)
    }
}

/// Something the scan could not do for one file: the scan went on without it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Notification {
    pub path: String,
    pub message: String,
}
