//! The rule file format, version 1, as serde types.
//!
//! These types only describe what a YAML file may say; `compile` turns them into rules that
//! cannot be invalid. `diffward rules schema` prints a JSON Schema generated from them.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::finding::{Category, Confidence, Severity};
use crate::lang::Lang;

/// A rule file: one or more rules.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "diffward rule file")]
pub struct RuleFile {
    /// The rules this file defines.
    pub rules: Vec<RawRule>,
}

/// Which side of a change a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DiffMode {
    /// A match in the new text that overlaps an added line and did not exist before the change.
    #[default]
    Added,
    /// A match in the old text that overlaps a removed line and has no counterpart after it.
    Removed,
    /// Every match in the new text, changed or not.
    Any,
}

impl DiffMode {
    pub fn as_str(self) -> &'static str {
        match self {
            DiffMode::Added => "added",
            DiffMode::Removed => "removed",
            DiffMode::Any => "any",
        }
    }
}

/// Glob patterns on repository-relative paths. A pattern without `/` matches the file name.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPaths {
    /// Scan only files matching one of these globs.
    #[serde(default)]
    pub include: Vec<String>,
    /// Never scan files matching one of these globs.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// The capture group of a regex that holds the secret: a number or a group name.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawGroup {
    Index(usize),
    Name(String),
}

/// One example for `diffward rules test`: a snippet scanned as an added file, or a before/after
/// pair scanned as a change.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawExample {
    Snippet(String),
    Change {
        /// The file's text before the change (omit for an added file).
        #[serde(default)]
        before: Option<String>,
        /// The file's text after the change (omit for a deleted file).
        #[serde(default)]
        after: Option<String>,
        /// The file's path; defaults to `example.<ext>` of the rule's first language.
        #[serde(default)]
        path: Option<String>,
        /// Files the change leaves as they are, by path (a lockfile beside a manifest): what
        /// a fact rule may read to judge the change.
        #[serde(default)]
        beside: BTreeMap<String, String>,
    },
}

/// Examples checked by `diffward rules test` and by the test suite.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExamples {
    /// Each must produce at least one finding of this rule.
    #[serde(default, rename = "match")]
    pub matching: Vec<RawExample>,
    /// Each must produce no finding of this rule.
    #[serde(default, rename = "no-match")]
    pub not_matching: Vec<RawExample>,
}

/// One rule, as written in YAML.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRule {
    /// `<category>/<name>`, lowercase, digits and dashes: e.g. `auth/tls-verify-disabled-python`.
    pub id: String,
    /// A short title (SARIF shortDescription).
    pub title: String,
    /// The finding's message; `{{name}}` is replaced with the text of the capture `@name`.
    pub message: String,
    pub category: Category,
    pub severity: Severity,
    #[serde(default)]
    pub confidence: Confidence,
    /// Languages whose files the rule scans. A `query` rule needs at least one; a `regex` rule
    /// without languages scans every text file.
    #[serde(default)]
    pub languages: Vec<Lang>,
    #[serde(default)]
    pub diff: DiffMode,
    #[serde(default)]
    pub paths: RawPaths,
    /// A tree-sitter query. The capture `@match` (or, without it, the whole pattern) is the
    /// finding. Predicates: `#eq?`, `#not-eq?`, `#match?`, `#not-match?`, `#any-of?`.
    #[serde(default)]
    pub query: Option<String>,
    /// A regular expression (Rust `regex` syntax) run over the whole text of a file.
    #[serde(default)]
    pub regex: Option<String>,
    /// Instead of `query` or `regex`: select structured facts of a file (a manifest's
    /// dependencies) by how the change moved them.
    #[serde(default)]
    pub fact: Option<RawFact>,
    /// The capture group of `regex` that holds the secret. Defaults to the group named `secret`,
    /// else the first unnamed group that took part in the match (so alternatives can each have
    /// their own group), else the whole match. Secrets are redacted in every output.
    #[serde(default)]
    pub secret_group: Option<RawGroup>,
    /// Literals, one of which must occur in a file (case-insensitive) for the rule to run on it.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// A regex the file must match for the rule to run on it, checked after `keywords` and
    /// before the file is parsed: it lets a `query` rule skip parsing files that cannot match.
    #[serde(default)]
    pub requires: Option<String>,
    /// Minimum Shannon entropy (bits per character) of the secret; a short secret is held to a
    /// lower bar (0.4 below the most its length can hold). With `entropy` set, a secret holding
    /// a documentation run (`ABCDEFGH`, `12345678`, `a1b2c3d4`) is not reported either.
    #[serde(default)]
    pub entropy: Option<f64>,
    /// A checksum the secret carries: valid raises the finding's confidence to high, invalid
    /// lowers it to low (the finding is still reported).
    #[serde(default)]
    pub checksum: Option<crate::checksum::Checksum>,
    /// Regexes: a secret that matches one of them is not reported.
    #[serde(default)]
    pub allow: Vec<String>,
    /// CWE ids, e.g. `CWE-798`.
    #[serde(default)]
    pub cwe: Vec<String>,
    /// Markdown: why it matters and how to fix it.
    pub help: String,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub examples: RawExamples,
    /// Free-form tags carried into SARIF `properties.tags`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// For `diff: removed` rules: judge matches by count, not by text. With `key`, each match is
    /// a unit (a test) named by that capture; a unit is removed when the change holds fewer of
    /// that name afterwards and no new unit took its place in the same file (a rename). With
    /// `within`, matches (assertions) are counted per enclosing unit, the innermost `@scope` of
    /// that query, named by its `@name`; a unit that still exists but holds fewer of them is
    /// reported once, at its name, with `{{before}}` and `{{after}}` in the message.
    #[serde(default)]
    pub count: Option<RawCount>,
    /// Judge a number the match holds by its direction (a threshold, a cost, a key size, a
    /// lifetime, a rate limit): before and after are paired by what they set, and only a change
    /// to the worse side is reported, with `{{before}}` and `{{after}}`. With `diff: added`, a
    /// match the change made better or left as it was is not reported; one with nothing
    /// before it is (the rule's own pattern says the value is bad). With `diff: removed`, a
    /// value lowered is reported where it now is, and one removed with nothing in its place
    /// where it was.
    #[serde(default)]
    pub compare: Option<RawCompare>,
    /// The captures that make a match the same match on both sides of a change (default: the
    /// whole matched text and every capture). A rule about an option (`verify=False`) on
    /// whatever call or variable carries it names the option's captures, so that renaming the
    /// call or the variable is not a new finding.
    #[serde(default)]
    pub identity: Vec<String>,
    /// For `diff: removed` rules: say nothing about a file the change deletes whole (the routes
    /// or settings it held are gone with it).
    #[serde(default)]
    pub skip_deleted_files: bool,
    /// Extra metadata, carried as-is.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub metadata: BTreeMap<String, String>,
}

/// A fact rule: which facts, which deltas, and filters on their attributes.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFact {
    /// `dependency` (attributes `name`, `section`, `version`, `source`, `ecosystem`,
    /// `lookalike`, `popular`, `pinned`, `locked`), `install-script` (`name`, `command`,
    /// `ecosystem`), `package-index` (`option`, `url`, `ecosystem`, `name`, `priority`,
    /// `default`, `value`, `verify-ssl`), `locked-package` (`name`, `version`, `ecosystem`,
    /// `source`, `host`, `integrity`, `install-script`, `new-host`), `lockfile` (`ecosystem`,
    /// `file`, `manifest`), `override` (`name`, `version`, `section`, `ecosystem`) or
    /// `hash-pinning` (`how`, `ecosystem`).
    pub kind: String,
    /// `added` (default), `removed`, `changed` (same key, other attributes), `unchanged`.
    #[serde(default)]
    pub delta: Vec<String>,
    /// Attribute filters: a value, or a list of values (a value ending in `*` is a prefix). A
    /// fact must pass every filter.
    #[serde(default, rename = "where")]
    pub filter: BTreeMap<String, RawValues>,
    /// Attribute filters a fact must fail.
    #[serde(default, rename = "where-not")]
    pub filter_not: BTreeMap<String, RawValues>,
    /// For a `changed` delta: the attributes whose change is reported (a registry's `url`).
    /// Without it, a changed fact is reported only when the change made it pass the filters
    /// (a dependency that moved to git), not when it already passed them (a bump of a git
    /// dependency).
    #[serde(default)]
    pub changed: Vec<String>,
}

/// One value or several.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawValues {
    One(String),
    Many(Vec<String>),
}

impl RawValues {
    pub fn list(&self) -> Vec<String> {
        match self {
            RawValues::One(s) => vec![s.clone()],
            RawValues::Many(v) => v.clone(),
        }
    }
}

/// How a `removed` rule counts (see `RawRule::count`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCount {
    /// The capture that names a unit (a test's name or title).
    #[serde(default)]
    pub key: Option<String>,
    /// A tree-sitter query: `@scope` is the unit a match belongs to, `@name` names it.
    #[serde(default)]
    pub within: Option<String>,
    /// With `within`: a regex on a member's text that marks an exact check (`==`, `toEqual`).
    /// A unit that keeps its count of members but holds fewer exact checks was weakened.
    #[serde(default)]
    pub strict: Option<String>,
    /// With `strict`: a regex on a member's text that makes it no exact check even though
    /// `strict` matches it (`assertEqual(x, None)` says what `assert x is None` says).
    #[serde(default)]
    pub loose: Option<String>,
    /// With `strict`: the message for a weakened unit (`{{name}}`, `{{before}}`, `{{after}}`,
    /// and the member's captures).
    #[serde(default)]
    pub weakened: Option<String>,
}

/// Which way a compared number is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    /// A threshold, a cost, a key size, an iteration count.
    Higher,
    /// A lifetime, a rate limit, a number of attempts.
    Lower,
}

/// How a rule compares a number before and after the change (see `RawRule::compare`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "kebab-case")]
pub struct RawCompare {
    /// The capture that holds the number (`30`, `"1h"`, `"5 per minute"`: a time is read in
    /// seconds, a rate per second).
    pub value: String,
    /// Which side is better.
    pub better: Better,
    /// The capture that names what the number sets (`fail_under`); defaults to the match
    /// without its number. Before and after are paired by it, in the file first, then across
    /// the change (a setting moved to another file).
    #[serde(default)]
    pub key: Option<String>,
    /// The message for a number made worse (default: the rule's message, then
    /// `(was {{before}}, now {{after}})`).
    #[serde(default)]
    pub message: Option<String>,
    /// Report a value with nothing on the other side of the change (`added`: a new bad value;
    /// `removed`: a setting removed). `false` for rules about values raised or lowered only
    /// (a limit added or removed is another rule's business).
    #[serde(default = "yes")]
    pub report_unpaired: bool,
}

fn yes() -> bool {
    true
}

/// The JSON Schema of rule files, as `diffward rules schema` prints it.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(RuleFile);
    let mut out = serde_json::to_string_pretty(&schema).unwrap_or_default();
    out.push('\n');
    out
}
