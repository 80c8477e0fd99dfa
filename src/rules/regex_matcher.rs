//! Regex rules: the compiled regex, which group holds the secret, and the filters a secret must
//! pass (entropy, allow). Query rules share the secret filter for their `@secret` capture.

use std::sync::OnceLock;

use regex::Regex;

use super::error::CompileError;
use super::schema::RawGroup;

/// What a secret must look like to be reported: random enough, and not an allowed value.
#[derive(Default)]
pub struct SecretFilter {
    pub entropy: Option<f64>,
    allow_sources: Vec<String>,
    allow: OnceLock<Vec<Regex>>,
}

impl SecretFilter {
    pub fn new(entropy: Option<f64>, allow_sources: Vec<String>) -> SecretFilter {
        SecretFilter {
            entropy,
            allow_sources,
            allow: OnceLock::new(),
        }
    }

    /// The `allow` regexes, compiled on first use (a built-in rule's are checked by the tests;
    /// a user rule's by `validate`).
    pub fn allow(&self) -> &[Regex] {
        self.allow.get_or_init(|| {
            self.allow_sources
                .iter()
                .filter_map(|a| Regex::new(a).ok())
                .collect()
        })
    }

    pub fn validate(&self) -> Result<(), CompileError> {
        for a in &self.allow_sources {
            Regex::new(a).map_err(|e| CompileError::new("allow", format!("invalid regex: {e}")))?;
        }
        Ok(())
    }
}

/// A regex rule's matcher. The regexes are compiled on first use: building a hundred secret
/// patterns costs tens of milliseconds, which a scan of a small change should not pay for rules
/// its files never reach. User rule files are compiled at load time (`compile_all`).
pub struct RegexMatcher {
    source: String,
    group: Option<RawGroup>,
    /// Secrets rules have a secret group even when the file does not name one.
    secrets_category: bool,
    compiled: OnceLock<Option<CompiledRegex>>,
    /// Filters on the secret (or, without one, the whole match).
    pub secret_filter: SecretFilter,
    pub checksum: Option<crate::checksum::Checksum>,
    /// See `holds_in_any_context`; read before every file is parsed, so decided once.
    anchored: bool,
}

impl RegexMatcher {
    /// The regex as the rule wrote it.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether a match of this regex inside a part of a text (a query's node) is also a match
    /// in the whole text, so that the whole text may be tested first: not when it anchors to
    /// the start or end of what it reads (`^`, `$`, `\A`, `\z`; telling a `(?m)` line anchor
    /// that would still hold apart is not worth the risk).
    pub fn holds_in_any_context(&self) -> bool {
        !self.anchored
    }

    /// A regex rule's matcher; the regex is compiled on first use (or by `compile_all`).
    pub fn new(
        source: &str,
        group: Option<RawGroup>,
        secrets_category: bool,
        secret_filter: SecretFilter,
        checksum: Option<crate::checksum::Checksum>,
    ) -> RegexMatcher {
        RegexMatcher {
            anchored: source.contains('^')
                || source.contains('$')
                || source.contains("\\A")
                || source.contains("\\z"),
            source: source.to_string(),
            group,
            secrets_category,
            compiled: OnceLock::new(),
            secret_filter,
            checksum,
        }
    }
}

/// The compiled parts of a `RegexMatcher`.
pub struct CompiledRegex {
    pub regex: Regex,
    /// The capture group holding the secret; `None` when the match is not a secret (a regex
    /// rule outside the secrets category without `secret-group`).
    pub secret_group: Option<SecretGroup>,
}

/// Which capture group of a regex holds the secret.
#[derive(Debug, Clone, PartialEq)]
pub enum SecretGroup {
    /// This group (0: the whole match).
    Index(usize),
    /// The first of these unnamed groups that took part in the match: a rule with alternatives
    /// (a prefixed token, or a bare value after a provider's variable name) puts each in its own
    /// group without naming them.
    FirstUnnamed(Vec<usize>),
}

impl SecretGroup {
    /// The secret's text and span in one match.
    pub fn pick<'h>(&self, caps: &regex::Captures<'h>) -> Option<regex::Match<'h>> {
        match self {
            SecretGroup::Index(i) => caps.get(*i),
            SecretGroup::FirstUnnamed(groups) => groups.iter().find_map(|&g| caps.get(g)),
        }
    }
}

impl RegexMatcher {
    /// The compiled regexes, built on first use.
    pub fn compiled(&self) -> Option<&CompiledRegex> {
        self.compiled.get_or_init(|| self.build().ok()).as_ref()
    }

    /// Compile now, reporting what is wrong.
    pub fn compile_all(&self) -> Result<(), CompileError> {
        self.secret_filter.validate()?;
        if self.compiled.get().is_none() {
            let built = self.build()?;
            let _ = self.compiled.set(Some(built));
        }
        Ok(())
    }

    fn build(&self) -> Result<CompiledRegex, CompileError> {
        let regex = Regex::new(&self.source).map_err(|e| {
            CompileError::new("regex", format!("invalid regex: {e}")).with_help(
                "the syntax is Rust's `regex` crate; use (?-u:\\b) for fast word boundaries",
            )
        })?;
        let secret_group = match &self.group {
            Some(RawGroup::Index(i)) => {
                if *i >= regex.captures_len() {
                    return Err(CompileError::new(
                        "secret-group",
                        format!("the regex has no capture group {i}"),
                    ));
                }
                Some(SecretGroup::Index(*i))
            }
            Some(RawGroup::Name(n)) => Some(SecretGroup::Index(
                regex
                    .capture_names()
                    .position(|c| c == Some(n.as_str()))
                    .ok_or_else(|| {
                        CompileError::new(
                            "secret-group",
                            format!("the regex has no group named `{n}`"),
                        )
                    })?,
            )),
            None if self.secrets_category => {
                match regex.capture_names().position(|c| c == Some("secret")) {
                    Some(i) => Some(SecretGroup::Index(i)),
                    None if regex.captures_len() > 1 => Some(SecretGroup::FirstUnnamed(
                        regex
                            .capture_names()
                            .enumerate()
                            .skip(1)
                            .filter(|(_, n)| n.is_none())
                            .map(|(i, _)| i)
                            .collect(),
                    )),
                    None => Some(SecretGroup::Index(0)),
                }
            }
            None => None,
        };
        Ok(CompiledRegex {
            regex,
            secret_group,
        })
    }
}
