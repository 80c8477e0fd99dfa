//! Compiling `RawRule`s into `Rule`s that cannot be invalid: every regex, query and glob is built
//! here, so a broken rule fails at load time with its file, line and column.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use regex::Regex;

pub use super::error::CompileError;
use super::query::{derive_prefilter, stray_predicate, Alternatives, QueryMatcher};
pub use super::regex_matcher::{RegexMatcher, SecretFilter};
use super::schema::{DiffMode, RawExample, RawRule};
use crate::finding::{Category, Confidence, Severity};
use crate::lang::Lang;

/// A compiled rule.
pub struct Rule {
    pub id: String,
    pub title: String,
    pub message: String,
    pub category: Category,
    pub severity: Severity,
    pub confidence: Confidence,
    pub languages: Vec<Lang>,
    pub diff: DiffMode,
    pub paths: PathFilter,
    pub matcher: Matcher,
    /// Literals a text must hold for the rule to run on it (`None`: every text).
    pub prefilter: Option<Prefilter>,
    /// A regex a text must match for the rule to run on it, checked after `prefilter`.
    pub requires: Option<LazyRegex>,
    pub cwe: Vec<String>,
    pub help: String,
    pub references: Vec<String>,
    pub tags: Vec<String>,
    pub examples: Vec<Example>,
    /// Where the rule was defined: `rules/auth/tls.yaml` or a user path.
    pub origin: String,
    /// Count-based removal semantics (tests, assertions).
    pub count: Option<Count>,
    /// A `removed` rule that says nothing about files deleted whole.
    pub skip_deleted_files: bool,
    /// Direction semantics for a number the match holds.
    pub compare: Option<Compare>,
    /// The captures a match's fingerprint is made of (empty: the matched text and every
    /// capture).
    pub identity: Vec<String>,
}

/// How a rule compares a number before and after a change (see `RawRule::compare`).
pub struct Compare {
    pub value: String,
    pub better: super::schema::Better,
    pub key: Option<String>,
    pub message: Option<String>,
    pub report_unpaired: bool,
}

/// How a `removed` rule judges its matches by count.
pub enum Count {
    /// Each match is a unit named by this capture.
    Key(String),
    /// Matches are counted per innermost `@scope` of `scope`, named by its `@name`.
    Within(Box<Within>),
}

/// The parts of a `count.within` rule.
pub struct Within {
    pub scope: QueryMatcher,
    /// Marks a member that is an exact check, and the message for a unit that lost some.
    pub strict: Option<(Regex, String)>,
    /// Unmarks a member `strict` marks.
    pub loose: Option<Regex>,
}

/// A regex compiled on first use.
pub struct LazyRegex {
    source: String,
    compiled: OnceLock<Option<Regex>>,
}

impl LazyRegex {
    pub fn new(source: &str) -> Result<LazyRegex, CompileError> {
        let r = LazyRegex {
            source: source.to_string(),
            compiled: OnceLock::new(),
        };
        Ok(r)
    }

    pub fn get(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| Regex::new(&self.source).ok())
            .as_ref()
    }

    fn validate(&self) -> Result<(), CompileError> {
        Regex::new(&self.source)
            .map(|_| ())
            .map_err(|e| CompileError::new("requires", format!("invalid regex: {e}")))
    }
}

impl Rule {
    /// Whether the rule may match `text`, beyond its literal prefilter: its `requires` regex,
    /// and for a query with an inner regex, that regex (no match in the file, none inside a
    /// node), so the file need not be parsed for it.
    pub fn may_match(&self, text: &str) -> bool {
        if let Some(re) = self.requires.as_ref().and_then(LazyRegex::get) {
            if !re.is_match(text) {
                return false;
            }
        }
        match &self.matcher {
            // An inner regex anchored to its node's start or end says nothing of the whole file.
            Matcher::Query(q) => match q.inner.as_ref().filter(|i| i.holds_in_any_context()) {
                Some(i) => i.compiled().is_none_or(|inner| inner.regex.is_match(text)),
                None => true,
            },
            Matcher::Regex(_) | Matcher::Fact(_) => true,
        }
    }

    /// Whether the rule's query or regex defines the capture `name` (so that a match in which
    /// it took no part shows it as empty, not as `{{name}}`).
    pub fn defines_capture(&self, name: &str) -> bool {
        let (query, regex) = match &self.matcher {
            Matcher::Query(q) => (Some(q.source()), q.inner.as_ref().map(|r| r.source())),
            Matcher::Regex(r) => (None, Some(r.source())),
            Matcher::Fact(_) => return false,
        };
        captures_named(query, regex, name)
    }

    /// Whether the rule looks at files of this language (`None`: plain text).
    pub fn applies_to_lang(&self, lang: Option<Lang>) -> bool {
        match &self.matcher {
            Matcher::Query(q) => lang.is_some_and(|l| q.supports(l)),
            // Which files a fact rule reads is the analyzers' business (by file name).
            Matcher::Fact(_) => true,
            Matcher::Regex(_) => {
                self.languages.is_empty() || lang.is_some_and(|l| self.languages.contains(&l))
            }
        }
    }
}

/// The literals a text must contain for a rule to possibly match it: for at least one
/// alternative, every group has one of its literals in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Prefilter {
    /// Literals from query predicates are exact; a rule's `keywords` ignore ASCII case.
    pub case_sensitive: bool,
    pub alternatives: Vec<Vec<Vec<String>>>,
}

/// How a rule finds matches.
pub enum Matcher {
    Query(QueryMatcher),
    Regex(RegexMatcher),
    Fact(FactMatcher),
}

/// A fact rule's selection (see `analyzers`).
pub struct FactMatcher {
    pub kind: &'static str,
    pub deltas: Vec<crate::analyzers::DeltaKind>,
    /// (attribute, accepted values): every one must accept the fact.
    pub filter: Vec<(String, Vec<String>)>,
    /// (attribute, refused values): none may accept it.
    pub filter_not: Vec<(String, Vec<String>)>,
    /// For `changed` deltas: the attributes whose change is reported (empty: see `RawFact`).
    pub changed: Vec<String>,
}

impl FactMatcher {
    /// Whether a fact passes the rule's attribute filters.
    pub fn accepts(&self, fact: &crate::analyzers::Fact) -> bool {
        let has = |attr: &str, values: &[String]| {
            let texts: Vec<&str> = match fact.attrs.get(attr) {
                Some(crate::analyzers::Value::Text(t)) => vec![t.as_str()],
                Some(crate::analyzers::Value::List(l)) => l.iter().map(String::as_str).collect(),
                None => Vec::new(),
            };
            texts.iter().any(|t| {
                values.iter().any(|v| match v.strip_suffix('*') {
                    Some(prefix) => t.starts_with(prefix),
                    None => t == v,
                })
            })
        };
        self.filter.iter().all(|(a, v)| has(a, v))
            && !self.filter_not.iter().any(|(a, v)| has(a, v))
    }
}

/// What `analyzers::infra::judge` sets on a changed infrastructure fact, whatever its kind.
const CHANGE_JUDGEMENTS: [&str; 5] = [
    "new-risks",
    "broadened",
    "added",
    "added-access",
    "hardening-removed",
];

/// The infrastructure fact kinds (`analyzers/infra`), which all have `CHANGE_JUDGEMENTS`.
const INFRA_KINDS: [&str; 9] = [
    "policy-statement",
    "managed-policy",
    "cloud-grant",
    "cloud-role",
    "static-credential",
    "k8s-role",
    "role-binding",
    "pod-security",
    "container-security",
];

/// The attributes of a fact kind: its own, and the change judgements of an infrastructure
/// kind.
fn attributes_of(kind: &str, own: &[&'static str]) -> Vec<&'static str> {
    let mut all = own.to_vec();
    if INFRA_KINDS.contains(&kind) {
        all.extend(CHANGE_JUDGEMENTS);
    }
    all
}

/// The fact kinds rules may select, and their attributes (`analyzers` documents each).
pub const FACT_KINDS: [(&str, &[&str]); 22] = [
    (
        "dependency",
        &[
            "name",
            "section",
            "version",
            "source",
            "ecosystem",
            "lookalike",
            "popular",
            "pinned",
            "locked",
            "outside",
            "path",
        ],
    ),
    ("install-script", &["name", "command", "ecosystem"]),
    (
        "package-index",
        &[
            "option",
            "url",
            "ecosystem",
            "name",
            "priority",
            "default",
            "value",
            "verify-ssl",
        ],
    ),
    (
        "locked-package",
        &[
            "name",
            "version",
            "ecosystem",
            "source",
            "host",
            "integrity",
            "install-script",
            "new-host",
        ],
    ),
    ("lockfile", &["ecosystem", "file", "manifest"]),
    ("override", &["name", "version", "section", "ecosystem"]),
    ("hash-pinning", &["how", "ecosystem"]),
    (
        "job-permission",
        &[
            "job",
            "source",
            "how",
            "write",
            "read",
            "id-token",
            "triggers",
            "widened",
            "fallback",
            "before",
            "now",
            "calls",
            "write-other",
            "widened-to",
            "who",
        ],
    ),
    (
        "permissions",
        &["level", "job", "how", "write", "read", "jobs", "job-count"],
    ),
    ("trigger", &["event", "types", "privileged", "only-labeler"]),
    (
        "action-use",
        &[
            "job",
            "step",
            "action",
            "owner",
            "ref",
            "pin",
            "kind",
            "first-party",
            "lookalike",
        ],
    ),
    (
        "expression",
        &[
            "job",
            "step",
            "field",
            "trust",
            "expression",
            "context",
            "triggers",
        ],
    ),
    (
        "workflow-risk",
        &[
            "risk", "job", "step", "detail", "how", "triggers", "uploads", "jobs", "widening",
        ],
    ),
    // infrastructure (`analyzers/infra`); each also has the `CHANGE_JUDGEMENTS`
    (
        "policy-statement",
        &[
            "policy",
            "format",
            "sid",
            "effect",
            "condition",
            "now",
            "not-action",
            "not-resource",
            "actions",
            "resources",
            "principals",
            "risks",
            "service-wildcards",
            "escalation",
            "writes",
            "reads",
            "credential-actions",
        ],
    ),
    ("managed-policy", &["policy", "resource", "risks"]),
    (
        "cloud-grant",
        &[
            "provider",
            "role",
            "scope",
            "scope-text",
            "resource",
            "members",
            "risks",
        ],
    ),
    (
        "cloud-role",
        &["provider", "role", "scope", "resource", "actions", "risks"],
    ),
    (
        "static-credential",
        &["what", "resource", "attribute", "literal", "risks"],
    ),
    (
        "k8s-role",
        &[
            "kind",
            "name",
            "namespace",
            "scope",
            "object",
            "grants",
            "wildcard-grants",
            "risks",
            "privilege-verbs",
            "webhooks",
        ],
    ),
    (
        "role-binding",
        &[
            "kind",
            "name",
            "namespace",
            "scope",
            "role",
            "role-kind",
            "object",
            "subjects",
            "risks",
        ],
    ),
    (
        "pod-security",
        &[
            "workload",
            "kind",
            "name",
            "namespace",
            "risks",
            "host-paths",
            "namespaces",
        ],
    ),
    (
        "container-security",
        &[
            "workload",
            "container",
            "kind",
            "security-context",
            "risks",
            "capabilities",
            "hardening",
            "host-paths",
        ],
    ),
];

fn compile_fact(f: &super::schema::RawFact, raw: &RawRule) -> Result<Matcher, CompileError> {
    use crate::analyzers::DeltaKind;
    let Some((kind, own)) = FACT_KINDS.iter().find(|(k, _)| *k == f.kind) else {
        return Err(
            CompileError::new("fact", format!("unknown fact kind `{}`", f.kind))
                .at_path(&["kind"])
                .with_help(format!(
                    "known kinds: {}",
                    FACT_KINDS.map(|(k, _)| k).join(", ")
                )),
        );
    };
    let attrs = attributes_of(kind, own);
    if raw.diff != DiffMode::Added || raw.count.is_some() {
        return Err(CompileError::new(
            "diff",
            "a `fact` rule selects deltas with `fact.delta`, not `diff`",
        )
        .with_help("write `fact: { delta: [removed] }` instead of `diff: removed`"));
    }
    let mut deltas = Vec::new();
    for d in if f.delta.is_empty() {
        vec!["added".to_string()]
    } else {
        f.delta.clone()
    } {
        deltas.push(match d.as_str() {
            "added" => DeltaKind::Added,
            "removed" => DeltaKind::Removed,
            "changed" => DeltaKind::Changed,
            "unchanged" => DeltaKind::Unchanged,
            other => {
                return Err(
                    CompileError::new("fact", format!("unknown delta `{other}`"))
                        .with_help("use added, removed, changed or unchanged"),
                )
            }
        });
    }
    let check = |m: &BTreeMap<String, super::schema::RawValues>,
                 block: &str|
     -> Result<Vec<(String, Vec<String>)>, CompileError> {
        m.iter()
            .map(|(a, v)| {
                if attrs.contains(&a.as_str()) {
                    Ok((a.clone(), v.list()))
                } else {
                    Err(CompileError::new(
                        "fact",
                        format!("`{}` facts have no attribute `{a}`", kind),
                    )
                    .at_path(&[block, a])
                    .with_help(format!("their attributes: {}", attrs.join(", "))))
                }
            })
            .collect()
    };
    Ok(Matcher::Fact(FactMatcher {
        kind,
        deltas,
        filter: check(&f.filter, "where")?,
        filter_not: check(&f.filter_not, "where-not")?,
        changed: {
            if let Some(a) = f.changed.iter().find(|a| !attrs.contains(&a.as_str())) {
                return Err(CompileError::new(
                    "fact",
                    format!("`{kind}` facts have no attribute `{a}`"),
                )
                .at_path(&["changed"])
                .with_help(format!("their attributes: {}", attrs.join(", "))));
            }
            f.changed.clone()
        },
    }))
}

/// Include/exclude globs over repository-relative paths, built on first use: a glob set
/// compiles regexes, and a scan asks only the rules of its files' languages.
pub struct PathFilter {
    include: Vec<String>,
    exclude: Vec<String>,
    sets: std::sync::OnceLock<(Option<GlobSet>, Option<GlobSet>)>,
}

impl PathFilter {
    /// The filter of a rule's `paths`; with `eager`, its globs are built (and checked) now.
    fn new(include: &[String], exclude: &[String], eager: bool) -> Result<Self, CompileError> {
        let filter = PathFilter {
            include: include.to_vec(),
            exclude: exclude.to_vec(),
            sets: std::sync::OnceLock::new(),
        };
        if eager {
            let sets = filter.build().map_err(|e| CompileError::new("paths", e))?;
            let _ = filter.sets.set(sets);
        }
        Ok(filter)
    }

    fn build(&self) -> Result<(Option<GlobSet>, Option<GlobSet>), String> {
        Ok((glob_set(&self.include)?, glob_set(&self.exclude)?))
    }

    pub fn allows(&self, path: &str) -> bool {
        if self.include.is_empty() && self.exclude.is_empty() {
            return true;
        }
        // A built-in rule's globs are checked by the tests, a user rule's at load time.
        let (include, exclude) = self
            .sets
            .get_or_init(|| self.build().unwrap_or((None, None)));
        if let Some(ex) = exclude {
            if ex.is_match(path) {
                return false;
            }
        }
        match include {
            Some(inc) => inc.is_match(path),
            None => true,
        }
    }
}

/// One example of a rule, as a change to one file.
pub struct Example {
    pub should_match: bool,
    pub before: Option<String>,
    pub after: Option<String>,
    pub path: String,
    /// Unchanged files beside it: (path, text).
    pub beside: Vec<(String, String)>,
}

fn valid_id(id: &str) -> bool {
    let ok_part = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
    };
    let parts: Vec<&str> = id.split('/').collect();
    parts.len() >= 2 && parts.iter().all(|p| ok_part(p))
}

/// Build a glob matcher. A pattern without `/` matches the file name anywhere (like .gitignore).
pub fn glob_set(patterns: &[String]) -> Result<Option<GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let full = if p.contains('/') {
            p.trim_start_matches('/').to_string()
        } else {
            format!("**/{p}")
        };
        let glob: Glob = GlobBuilder::new(&full)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("invalid glob `{p}`: {e}"))?;
        b.add(glob);
    }
    b.build().map(Some).map_err(|e| e.to_string())
}

/// Compile a rule. With `eager`, its queries are compiled for every language now (user rules,
/// validation); otherwise on first use.
pub fn compile(raw: RawRule, origin: &str, eager: bool) -> Result<Rule, CompileError> {
    if !valid_id(&raw.id) {
        return Err(
            CompileError::new("id", format!("invalid rule id `{}`", raw.id)).with_help(
                "ids look like `category/name`: lowercase letters, digits, `-`, `_` and `.`",
            ),
        );
    }
    for (field, text) in [
        ("title", &raw.title),
        ("message", &raw.message),
        ("help", &raw.help),
    ] {
        if text.trim().is_empty() {
            return Err(CompileError::new(
                field,
                format!("`{field}` must not be empty"),
            ));
        }
    }
    for cwe in &raw.cwe {
        let ok = cwe
            .strip_prefix("CWE-")
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            return Err(CompileError::new("cwe", format!("invalid CWE id `{cwe}`"))
                .with_help("write CWE ids as `CWE-295`"));
        }
    }
    let paths = PathFilter::new(&raw.paths.include, &raw.paths.exclude, eager)?;

    if raw.fact.is_some() && (raw.query.is_some() || raw.regex.is_some()) {
        return Err(CompileError::new(
            "fact",
            "a rule has one matcher: `fact`, `query` or `regex`",
        ));
    }
    let (matcher, derived_prefilter) = match (&raw.fact, &raw.query, &raw.regex) {
        (Some(f), _, _) => (compile_fact(f, &raw)?, None),
        (None, Some(q), Some(r)) => {
            let (matcher, derived) = compile_query(q, &raw, false)?;
            let Matcher::Query(mut qm) = matcher else {
                unreachable!("compile_query builds a query matcher")
            };
            let Matcher::Regex(inner) = compile_regex(r, &raw, false)? else {
                unreachable!("compile_regex builds a regex matcher")
            };
            // The filters belong to the regex's secret.
            qm.secret_filter = Default::default();
            qm.inner = Some(inner);
            if eager {
                qm.compile_all()?;
            }
            (Matcher::Query(qm), derived)
        }
        (None, None, None) => {
            return Err(CompileError::new("id", "the rule has no matcher")
                .with_help("add a `query:` (tree-sitter), a `regex:` or a `fact:`"))
        }
        (None, Some(q), None) => compile_query(q, &raw, eager)?,
        (None, None, Some(r)) => (compile_regex(r, &raw, eager)?, None),
    };

    if raw.keywords.iter().any(|k| k.is_empty()) {
        return Err(CompileError::new(
            "keywords",
            "keywords must not be empty strings",
        ));
    }
    let requires = match &raw.requires {
        Some(src) => {
            let r = LazyRegex::new(src)?;
            if eager {
                r.validate()?;
            }
            Some(r)
        }
        None => None,
    };
    let prefilter = if raw.keywords.is_empty() {
        derived_prefilter.map(|alternatives| Prefilter {
            case_sensitive: true,
            alternatives,
        })
    } else {
        Some(Prefilter {
            case_sensitive: false,
            alternatives: vec![vec![raw.keywords.clone()]],
        })
    };

    let default_path = raw
        .languages
        .first()
        .map(|l| l.example_file_name())
        .unwrap_or_else(|| "example.txt".to_string());
    let mut examples = Vec::new();
    for (should_match, list) in [
        (true, &raw.examples.matching),
        (false, &raw.examples.not_matching),
    ] {
        for ex in list {
            examples.push(match ex {
                RawExample::Snippet(s) => Example {
                    should_match,
                    before: None,
                    after: Some(s.clone()),
                    path: default_path.clone(),
                    beside: Vec::new(),
                },
                RawExample::Change {
                    before,
                    after,
                    path,
                    beside,
                } => Example {
                    should_match,
                    before: before.clone(),
                    after: after.clone(),
                    path: path.clone().unwrap_or_else(|| default_path.clone()),
                    beside: beside.clone().into_iter().collect(),
                },
            });
        }
    }

    let count = match &raw.count {
        None => None,
        Some(_) if raw.diff != DiffMode::Removed || raw.query.is_none() => {
            return Err(CompileError::new(
                "count",
                "`count` is for `diff: removed` rules with a `query`",
            ))
        }
        Some(c) => match (&c.key, &c.within) {
            (Some(k), None) => {
                if !captures_named(raw.query.as_deref(), None, k) {
                    return Err(CompileError::new(
                        "count",
                        format!("`count.key` names `{k}`, which the query does not capture"),
                    ));
                }
                Some(Count::Key(k.clone()))
            }
            (None, Some(q)) => {
                if !q.contains("@scope") || !q.contains("@name") {
                    return Err(CompileError::new(
                        "count",
                        "`count.within` must capture the unit as `@scope` and its name as `@name`",
                    ));
                }
                let m = QueryMatcher::new(q, &raw.languages);
                if eager {
                    m.compile_all()?;
                }
                let strict = match (&c.strict, &c.weakened) {
                    (None, None) => None,
                    (Some(re), Some(msg)) => Some((
                        Regex::new(re).map_err(|e| {
                            CompileError::new(
                                "count",
                                format!("`count.strict`: invalid regex: {e}"),
                            )
                        })?,
                        msg.clone(),
                    )),
                    _ => {
                        return Err(CompileError::new(
                            "count",
                            "`count.strict` and `count.weakened` go together",
                        ))
                    }
                };
                let loose = match &c.loose {
                    None => None,
                    Some(_) if strict.is_none() => {
                        return Err(CompileError::new(
                            "count",
                            "`count.loose` goes with `count.strict`",
                        ))
                    }
                    Some(re) => Some(Regex::new(re).map_err(|e| {
                        CompileError::new("count", format!("`count.loose`: invalid regex: {e}"))
                    })?),
                };
                Some(Count::Within(Box::new(Within {
                    scope: m,
                    strict,
                    loose,
                })))
            }
            _ => {
                return Err(CompileError::new(
                    "count",
                    "give exactly one of `count.key` and `count.within`",
                ))
            }
        },
    };
    let compare = compile_compare(&raw)?;
    for name in &raw.identity {
        if !raw_captures(&raw, name) {
            return Err(CompileError::new(
                "identity",
                format!("`identity` names `{name}`, which the rule does not capture"),
            ));
        }
    }
    if raw.skip_deleted_files && raw.diff != DiffMode::Removed {
        return Err(CompileError::new(
            "skip-deleted-files",
            "`skip-deleted-files` is for `diff: removed` rules",
        ));
    }
    Ok(Rule {
        count,
        compare,
        identity: raw.identity,
        skip_deleted_files: raw.skip_deleted_files,
        id: raw.id,
        title: raw.title,
        message: raw.message,
        category: raw.category,
        severity: raw.severity,
        confidence: raw.confidence,
        languages: raw.languages,
        // A fact rule's deltas already say what the change did: every selected one is reported.
        diff: if matches!(matcher, Matcher::Fact(_)) {
            DiffMode::Any
        } else {
            raw.diff
        },
        paths,
        matcher,
        prefilter,
        requires,
        cwe: raw.cwe,
        help: raw.help,
        references: raw.references,
        tags: raw.tags,
        examples,
        origin: origin.to_string(),
    })
}

/// Whether a query (`@name`) or a regex (`(?P<name>…)`, `(?<name>…)`) captures `name`: the
/// check behind every rule field that names a capture, and behind messages that show one.
pub fn captures_named(query: Option<&str>, regex: Option<&str>, name: &str) -> bool {
    let in_query = query.is_some_and(|q| {
        q.match_indices(&format!("@{name}")).any(|(at, m)| {
            !q[at + m.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-')
        })
    });
    let in_regex = regex
        .is_some_and(|r| r.contains(&format!("?P<{name}>")) || r.contains(&format!("?<{name}>")));
    in_query || in_regex
}

fn raw_captures(raw: &RawRule, name: &str) -> bool {
    captures_named(raw.query.as_deref(), raw.regex.as_deref(), name)
}

/// A `compare` block: for `added` or `removed` rules with a query or a regex that captures the
/// number (and the key, when one is named).
fn compile_compare(raw: &RawRule) -> Result<Option<Compare>, CompileError> {
    let Some(c) = &raw.compare else {
        return Ok(None);
    };
    if raw.diff == DiffMode::Any || raw.count.is_some() || raw.fact.is_some() {
        return Err(CompileError::new(
            "compare",
            "`compare` is for `diff: added` or `diff: removed` rules with a `query` or a `regex`, without `count`",
        ));
    }
    for (what, name) in [("value", Some(&c.value)), ("key", c.key.as_ref())] {
        if let Some(name) = name {
            if !raw_captures(raw, name) {
                return Err(CompileError::new(
                    "compare",
                    format!("`compare.{what}` names `{name}`, which the rule does not capture"),
                )
                .at_path(&[what]));
            }
        }
    }
    Ok(Some(Compare {
        value: c.value.clone(),
        better: c.better,
        key: c.key.clone(),
        message: c.message.clone(),
        report_unpaired: c.report_unpaired,
    }))
}

fn compile_query(
    src: &str,
    raw: &RawRule,
    eager: bool,
) -> Result<(Matcher, Option<Alternatives>), CompileError> {
    if raw.languages.is_empty() {
        return Err(
            CompileError::new("languages", "a `query` rule needs `languages`")
                .with_help("e.g. `languages: [python]`"),
        );
    }
    if raw.secret_group.is_some() && raw.regex.is_none() {
        return Err(CompileError::new(
            "secret-group",
            "`secret-group` names a group of `regex`; a query names its secret with `@secret`",
        ));
    }
    check_entropy(raw)?;
    if let Some(at) = stray_predicate(src) {
        return Err(CompileError {
            field: "query",
            message: "this predicate is outside any pattern: tree-sitter would ignore it".into(),
            help: Some(
                "put it inside the pattern's parentheses: `((call) @c (#eq? @c \"eval\"))`, or for an alternation `([(a) (b)] @x (#eq? @x \"y\"))`".into(),
            ),
            inner: Some(at),
            path: Vec::new(),
        });
    }
    let mut matcher = QueryMatcher::new(src, &raw.languages);
    matcher.secret_filter = SecretFilter::new(raw.entropy, raw.allow.clone());
    if eager {
        matcher.compile_all()?;
    }
    Ok((Matcher::Query(matcher), derive_prefilter(src)))
}

fn check_entropy(raw: &RawRule) -> Result<(), CompileError> {
    match raw.entropy {
        Some(e) if !(0.0..=8.0).contains(&e) => Err(CompileError::new(
            "entropy",
            "entropy is in bits per character, 0 to 8",
        )),
        _ => Ok(()),
    }
}

fn compile_regex(src: &str, raw: &RawRule, eager: bool) -> Result<Matcher, CompileError> {
    check_entropy(raw)?;
    let matcher = RegexMatcher::new(
        src,
        raw.secret_group.clone(),
        raw.category == Category::Secrets,
        SecretFilter::new(raw.entropy, raw.allow.clone()),
        raw.checksum,
    );
    if eager {
        matcher.compile_all()?;
    }
    Ok(Matcher::Regex(matcher))
}
