//! `diffward.toml`: project settings that the command line can override.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::finding::Severity;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    #[serde(default)]
    pub scan: ScanConfig,
    #[serde(default)]
    pub allow: AllowConfig,
    /// A severity per rule id or category, instead of the rule's own
    /// (`"dependencies/new-dependency" = "low"` makes every new dependency fail a default scan).
    #[serde(default)]
    pub severity: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub infra: InfraConfig,
    #[serde(default)]
    pub policy: PolicyConfig,
}

/// How the gate treats changes that coding agents wrote.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PolicyConfig {
    /// Findings from AI-assisted commits fail the scan at or above this severity (instead of
    /// the scan's own `fail-on`, when that is higher).
    pub ai_assisted_fail_on: Option<String>,
    /// Let an allow comment or a baseline entry that an AI-assisted commit of the change added
    /// silence a critical or high finding of that change (default: it cannot).
    #[serde(default)]
    pub ai_assisted_may_suppress: bool,
}

/// Which files are infrastructure code when their names do not say (globs of repository
/// paths). Any `.json`, `.yaml`, `.yml` and `.template` file is already read by its content.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct InfraConfig {
    #[serde(default)]
    pub kubernetes: Vec<String>,
    #[serde(default)]
    pub cloudformation: Vec<String>,
    #[serde(default)]
    pub iam_policies: Vec<String>,
    #[serde(default)]
    pub terraform: Vec<String>,
    #[serde(default)]
    pub compose: Vec<String>,
}

/// Project-wide exceptions: findings these cover are not reported.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AllowConfig {
    /// Globs of paths whose findings are not reported.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Regexes matched against a finding's secret (or matched text).
    #[serde(default)]
    pub regexes: Vec<String>,
    /// Finding fingerprints (as in JSON `fingerprint` or SARIF `diffward/v1`).
    #[serde(default)]
    pub fingerprints: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ScanConfig {
    /// Exit 1 when a finding at or above this severity is reported (`never` to always exit 0).
    pub fail_on: Option<String>,
    /// Skip files larger than this many bytes.
    pub max_file_size: Option<u64>,
    /// Extra rule files or folders, relative to the config file.
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    #[serde(default)]
    pub only: Vec<String>,
    #[serde(default)]
    pub skip: Vec<String>,
    /// Paths (globs) never scanned.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Secrets in test paths: `lower` (default: low confidence), `report`, or `skip`.
    pub secrets_in_tests: Option<crate::engine::TestPathPolicy>,
    /// Findings of the other packs (but `checks`) in test paths: `lower`, `report` or `skip`.
    pub findings_in_tests: Option<crate::engine::TestPathPolicy>,
    /// Findings below this confidence never fail the scan (default `medium`).
    pub min_confidence: Option<crate::finding::Confidence>,
    /// The baseline file, relative to this file (default `.diffward-baseline.toml` at the
    /// repository root, when there is one).
    pub baseline: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{path}: {message}")]
#[diagnostic(
    code(diffward::config),
    help("see the README's `diffward.toml` section")
)]
pub struct ConfigError {
    pub path: String,
    pub message: String,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let err = |message: String| ConfigError {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
        Config::parse(&text, path)
    }

    /// Read settings from `text`, as if from the file `path` (for messages and relative paths).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let err = |message: String| ConfigError {
            path: path.display().to_string(),
            message,
        };
        let mut cfg: Config = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        for r in &mut cfg.scan.rules {
            if r.is_relative() {
                *r = dir.join(&*r);
            }
        }
        if let Some(b) = &mut cfg.scan.baseline {
            if b.is_relative() {
                *b = dir.join(&*b);
            }
        }
        if let Some(f) = &cfg.policy.ai_assisted_fail_on {
            if parse_severity(f).is_none() {
                return Err(err(format!(
                    "policy.ai-assisted-fail-on: unknown severity `{f}`: use critical, high, medium, low or info"
                )));
            }
        }
        for r in &cfg.allow.regexes {
            regex::Regex::new(r).map_err(|e| err(format!("allow.regexes: `{r}`: {e}")))?;
        }
        for (id, sev) in &cfg.severity {
            if parse_severity(sev).is_none() {
                return Err(err(format!(
                    "severity.\"{id}\": unknown severity `{sev}`: use critical, high, medium, low or info"
                )));
            }
        }
        if let Some(f) = &cfg.scan.fail_on {
            if f != "never" && parse_severity(f).is_none() {
                return Err(err(format!(
                    "unknown fail-on `{f}`: use critical, high, medium, low, info or never"
                )));
            }
        }
        Ok(cfg)
    }
}

pub fn parse_severity(s: &str) -> Option<Severity> {
    Severity::ALL_DESC.iter().copied().find(|v| v.as_str() == s)
}
