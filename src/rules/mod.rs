//! Rules: the YAML schema (`schema`), compiled rules (`compile`), loading (`load`), and the set
//! of rules a scan runs (`RuleSet`).

pub mod compile;
pub mod error;
pub mod load;
pub mod plan;
pub mod query;
pub mod regex_matcher;
pub mod schema;
mod spans;

use std::collections::HashSet;
use std::path::PathBuf;

pub use compile::{Matcher, RegexMatcher, Rule};
pub use load::RuleError;
pub use schema::DiffMode;

use crate::finding::Category;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

pub use builtin::BUILTIN_RULE_FILES;

/// Which rules a scan runs.
#[derive(Debug, Clone, Default)]
pub struct RuleSelection {
    /// Load the built-in packs.
    pub builtin: bool,
    /// Extra rule files or folders.
    pub extra: Vec<PathBuf>,
    /// Keep only rules whose id or category is listed (empty: all).
    pub only: Vec<String>,
    /// Drop rules whose id or category is listed.
    pub skip: Vec<String>,
    /// Compile the built-in rules' queries for every language at load time, as user rules are
    /// (otherwise they are compiled on first use).
    pub validate_builtin: bool,
}

/// The compiled rules of one scan, in a fixed order (by id).
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// Combined queries (`plan`), by language and the rules they hold, built on first use.
    plans: std::sync::Mutex<PlanCache>,
}

/// One cell per (language, rules): a thread that asks for a query being built waits for it,
/// while other languages build beside it.
type PlanCell = std::sync::Arc<std::sync::OnceLock<Option<plan::LangQuery>>>;
type PlanCache = std::collections::HashMap<(crate::lang::Lang, Vec<usize>), PlanCell>;

/// An `--only`/`--skip` entry that names no rule, category or tag.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("`{0}` is neither a rule id, a category nor a tag")]
#[diagnostic(
    code(diffward::usage),
    help("`diffward rules list` shows the rule ids; categories: secrets, auth, dependencies, credentials, ci, checks; tags: generic, identifier")
)]
pub struct UnknownSelector(pub String);

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LoadError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Rule(#[from] Box<RuleError>),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Selector(#[from] UnknownSelector),
    #[error("rule `{id}` is defined twice: in {first} and in {second}")]
    #[diagnostic(code(diffward::rule), help("give one of them another id, or drop it"))]
    Duplicate {
        id: String,
        first: String,
        second: String,
    },
}

impl RuleSet {
    /// Load the built-in packs only, every query compiled.
    pub fn builtin() -> Result<RuleSet, LoadError> {
        RuleSet::load(&RuleSelection {
            builtin: true,
            validate_builtin: true,
            ..Default::default()
        })
    }

    pub fn load(sel: &RuleSelection) -> Result<RuleSet, LoadError> {
        let mut rules = Vec::new();
        if sel.builtin {
            for (name, text, digest) in BUILTIN_RULE_FILES {
                let digested = (!sel.validate_builtin)
                    .then(|| load::load_digest(name, digest))
                    .flatten();
                match digested {
                    Some(r) => rules.extend(r),
                    None => rules.extend(load::load_text(name, text, sel.validate_builtin)?),
                }
            }
        }
        for p in &sel.extra {
            rules.extend(load::load_path(p)?);
        }
        let mut seen: std::collections::HashMap<String, String> = Default::default();
        for r in &rules {
            if let Some(first) = seen.insert(r.id.clone(), r.origin.clone()) {
                return Err(LoadError::Duplicate {
                    id: r.id.clone(),
                    first,
                    second: r.origin.clone(),
                });
            }
        }
        let known: HashSet<&str> = rules
            .iter()
            .flat_map(|r| std::iter::once(r.id.as_str()).chain(r.tags.iter().map(String::as_str)))
            .collect();
        for s in sel.only.iter().chain(&sel.skip) {
            if Category::from_name(s).is_none() && !known.contains(s.as_str()) {
                return Err(UnknownSelector(s.clone()).into());
            }
        }
        // A selector names a rule, a category, or a tag (`generic`, `identifier`).
        let selected = |r: &Rule, list: &[String]| {
            list.iter()
                .any(|s| s == &r.id || s == r.category.as_str() || r.tags.contains(s))
        };
        rules
            .retain(|r| (sel.only.is_empty() || selected(r, &sel.only)) && !selected(r, &sel.skip));
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(RuleSet::new(rules))
    }

    /// A set of already compiled rules, kept in the order given.
    pub fn new(rules: Vec<Rule>) -> RuleSet {
        RuleSet {
            rules,
            plans: Default::default(),
        }
    }

    /// The combined query of the query rules `members` (indices, ascending) for `lang`, built
    /// on first use. Building is the expensive part of a query (milliseconds per pattern for a
    /// large grammar), so a scan asks for exactly the rules its change concerns.
    pub fn plan(&self, lang: crate::lang::Lang, members: &[usize]) -> PlanCell {
        let cell = match self.plans.lock() {
            Ok(mut cache) => {
                // A query already built for more rules serves as well (a second scan of the
                // same run, like the history check's, asks for a subset): walking a few more
                // patterns costs far less than building them again.
                let built = cache.iter().find(|((l, m), c)| {
                    *l == lang
                        && c.get().is_some()
                        && members.iter().all(|r| m.binary_search(r).is_ok())
                });
                match built {
                    Some((_, c)) => c.clone(),
                    None => cache.entry((lang, members.to_vec())).or_default().clone(),
                }
            }
            Err(_) => Default::default(),
        };
        cell.get_or_init(|| {
            let clock = crate::timings::start();
            let built = plan::LangQuery::build(&self.rules, members, lang);
            crate::timings::add_build(
                || {
                    let n = built.as_ref().map_or(0, |p| p.rules.len());
                    format!("{lang} ({n} rules)")
                },
                clock,
            );
            built
        });
        cell
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}
