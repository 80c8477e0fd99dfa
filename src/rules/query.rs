//! Tree-sitter query matchers, compiled per language on first use.
//!
//! Building a tree-sitter query costs about a millisecond per language, so a scan compiles only
//! the queries of languages its change contains. Rule files given by the user are compiled in
//! full at load time (`compile_all`), so their errors still point at the YAML; the built-in packs
//! are compiled in full by the test suite and `diffward rules validate`.

use std::sync::OnceLock;

use regex::Regex;
use tree_sitter::{Query, QueryErrorKind};

use super::error::CompileError;
use super::regex_matcher::{RegexMatcher, SecretFilter};
use crate::lang::Lang;

/// A compiled query for one language.
pub struct CompiledQuery {
    pub query: Query,
    /// The index of the `@match` capture, when the query has one.
    pub match_capture: Option<u32>,
}

/// A rule's query, for each of its languages.
pub struct QueryMatcher {
    source: String,
    per_lang: Vec<(Lang, OnceLock<Option<CompiledQuery>>)>,
    /// A regex run inside each match (the `@match` capture, else the whole match): the query
    /// finds the region (a comment, a string), the regex the secret in it.
    pub inner: Option<RegexMatcher>,
    /// Filters on the text of the `@secret` capture, when the rule has no inner regex.
    pub secret_filter: SecretFilter,
}

impl QueryMatcher {
    pub fn new(source: &str, languages: &[Lang]) -> QueryMatcher {
        QueryMatcher {
            source: source.to_string(),
            per_lang: languages.iter().map(|&l| (l, OnceLock::new())).collect(),
            inner: None,
            secret_filter: SecretFilter::default(),
        }
    }

    /// The query as the rule wrote it.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn supports(&self, lang: Lang) -> bool {
        self.per_lang.iter().any(|(l, _)| *l == lang)
    }

    /// The query for `lang`, compiled on first use.
    pub fn for_lang(&self, lang: Lang) -> Option<&CompiledQuery> {
        let (_, cell) = self.per_lang.iter().find(|(l, _)| *l == lang)?;
        cell.get_or_init(|| {
            crate::timings::time(crate::timings::Stage::QueryBuild, || {
                compile_for(&self.source, lang).ok()
            })
        })
        .as_ref()
    }

    /// Compile for every language now, reporting the first error.
    pub fn compile_all(&self) -> Result<(), CompileError> {
        self.secret_filter.validate()?;
        if let Some(inner) = &self.inner {
            inner.compile_all()?;
        }
        for (lang, cell) in &self.per_lang {
            if cell.get().is_none() {
                let compiled = compile_for(&self.source, *lang)?;
                let _ = cell.set(Some(compiled));
            }
        }
        Ok(())
    }
}

fn compile_for(src: &str, lang: Lang) -> Result<CompiledQuery, CompileError> {
    let query = Query::new(&lang.ts_language(), src).map_err(|e| {
        let what = match e.kind {
            QueryErrorKind::NodeType => "unknown node kind",
            QueryErrorKind::Field => "unknown field",
            QueryErrorKind::Capture => "unknown capture",
            QueryErrorKind::Predicate => "invalid predicate",
            QueryErrorKind::Structure => "impossible pattern",
            _ => "syntax error",
        };
        CompileError {
            field: "query",
            message: format!("invalid tree-sitter query for {lang}: {what} `{}`", e.message.trim()),
            help: Some(format!(
                "node kinds and fields must exist in the {lang} grammar; `tree-sitter parse FILE` shows a file's tree"
            )),
            inner: Some((e.row, e.column)),
            path: Vec::new(),
        }
    })?;
    for p in 0..query.pattern_count() {
        if let Some(pred) = query.general_predicates(p).first() {
            return Err(CompileError {
                field: "query",
                message: format!("unsupported predicate `#{}`", pred.operator),
                help: Some(
                    "supported: #eq?, #not-eq?, #match?, #not-match?, #any-of?, #not-any-of?"
                        .into(),
                ),
                inner: None,
                path: Vec::new(),
            });
        }
    }
    let match_capture = query.capture_index_for_name("match");
    Ok(CompiledQuery {
        query,
        match_capture,
    })
}

/// Alternatives of groups of literals: see `Prefilter`.
pub type Alternatives = Vec<Vec<Vec<String>>>;

/// The byte ranges of a query source's top-level groups: each `(...)`/`[...]` at depth 0.
/// Strings and `;` comments are skipped.
fn top_level_groups(src: &str) -> Vec<(usize, usize)> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let (mut depth, mut start, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b';' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' | b'[' => {
                if depth == 0 {
                    start = i;
                }
                depth += 1;
            }
            b')' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    out.push((start, i + 1));
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The top-level patterns of a query source (its predicates are inside them: see
/// `stray_predicate`).
fn top_level_patterns(src: &str) -> Vec<&str> {
    top_level_groups(src)
        .into_iter()
        .map(|(a, b)| &src[a..b])
        .collect()
}

/// The row and column (0-based) of a predicate written outside any pattern, like
/// `(call) @c (#eq? @c "eval")`: tree-sitter accepts it and ignores it, so the rule would match
/// far more than its author meant. The predicate belongs inside: `((call) @c (#eq? @c "eval"))`.
pub fn stray_predicate(src: &str) -> Option<(usize, usize)> {
    let (at, _) = top_level_groups(src)
        .into_iter()
        .find(|&(a, _)| src[a..].starts_with("(#"))?;
    let row = src[..at].matches('\n').count();
    let col = at - src[..at].rfind('\n').map_or(0, |n| n + 1);
    Some((row, col))
}

/// Literals a file must contain for a query to match, from its `#eq?` and `#any-of?`
/// predicates: per pattern, one group per predicate (all must hold). If one pattern has no such
/// predicate, the query has no prefilter.
pub fn derive_prefilter(src: &str) -> Option<Alternatives> {
    static PRED: OnceLock<Regex> = OnceLock::new();
    static STRING: OnceLock<Regex> = OnceLock::new();
    let pred = PRED.get_or_init(|| {
        Regex::new(r#"\(#(eq|any-of)\?\s+@[\w.-]+((?:\s+"[^"\\]*")+)\s*\)"#).expect("static regex")
    });
    let string = STRING.get_or_init(|| Regex::new(r#""([^"\\]*)""#).expect("static regex"));
    let mut alternatives = Vec::new();
    for pattern in top_level_patterns(src) {
        let mut groups = Vec::new();
        for c in pred.captures_iter(pattern) {
            let lits: Vec<String> = string
                .captures_iter(&c[2])
                .map(|s| s[1].to_string())
                .collect();
            // Short literals ("*", "on") are in nearly every file: they would only slow the filter.
            let usable = !lits.is_empty()
                && lits.iter().all(|l| l.len() >= 3)
                && (&c[1] == "any-of" || lits.len() == 1);
            if usable {
                groups.push(lits);
            }
        }
        if groups.is_empty() {
            return None;
        }
        alternatives.push(groups);
    }
    (!alternatives.is_empty()).then_some(alternatives)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_and_their_literals() {
        let q = r#"
            ; a comment with (parens
            ((call function: (identifier) @f) (#eq? @f "eval"))
            ((decorator (identifier) @d) (#any-of? @d "login_required" "auth"))
        "#;
        assert_eq!(top_level_patterns(q).len(), 2);
        assert_eq!(
            derive_prefilter(q),
            Some(vec![
                vec![vec!["eval".to_string()]],
                vec![vec!["login_required".to_string(), "auth".to_string()]],
            ])
        );
        assert_eq!(derive_prefilter("(call) @c"), None);
        assert_eq!(derive_prefilter(r#"((x) @a (#eq? @a "*"))"#), None);
    }

    #[test]
    fn predicates_outside_a_pattern_are_found() {
        assert_eq!(stray_predicate("((call) @c (#eq? @c \"eval\"))"), None);
        assert_eq!(
            stray_predicate("(call) @c\n(#eq? @c \"eval\")"),
            Some((1, 0))
        );
        assert_eq!(
            stray_predicate("[(a) (b)] @x (#match? @x \"y\")"),
            Some((0, 13))
        );
        assert_eq!(stray_predicate("; (#eq? in a comment\n(call)"), None);
    }

    #[test]
    fn queries_compile_lazily_per_language() {
        let m = QueryMatcher::new("(identifier) @x", &[Lang::Python, Lang::Rust]);
        assert!(m.per_lang.iter().all(|(_, c)| c.get().is_none()));
        assert!(m.for_lang(Lang::Python).is_some());
        assert!(m.per_lang[1].1.get().is_none());
        assert!(m.for_lang(Lang::Go).is_none());
        assert!(QueryMatcher::new("(nope) @x", &[Lang::Python])
            .compile_all()
            .is_err());
    }
}
