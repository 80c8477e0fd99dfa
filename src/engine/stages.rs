//! Entry points into each stage of the engine one at a time, for the per-stage benches
//! (`benches/stages.rs`): a regression then shows in the stage it is in, not only in the
//! whole scan. Not an API: nothing else calls these.

use tree_sitter::Tree;

use super::matcher::{self, RawMatch};
use super::semantics;
use super::text::SideText;
use super::{Engine, Plans};
use crate::lang::Lang;
use crate::rules::{Matcher, RuleSet};
use crate::source::linediff::{diff_lines, LineChanges};
use crate::source::{Content, FileChange};

/// The rules that apply to `path` and that the literal prefilter (and `requires`) lets
/// through for `text`.
pub fn prefilter(engine: &Engine, path: &str, text: &str) -> Vec<usize> {
    let lang = Lang::for_path(path);
    let rules = engine.rules_for(lang, path, None);
    engine
        .select(&rules, &SideText::new(text.to_string()))
        .queries
}

/// Build the combined query of `lang` for `rules` (a fresh rule set each time, as a scan
/// builds it once).
pub fn build_query(rules: &RuleSet, members: &[usize], lang: Lang) -> bool {
    crate::rules::plan::LangQuery::build(&rules.rules, members, lang).is_some()
}

/// Parse a text, afresh.
pub fn parse(lang: Lang, text: &str) -> Option<Tree> {
    matcher::parse(lang, text, None)
}

/// Run `queries` (query rules of `lang`) over a parsed side, in one walk.
pub fn match_queries(
    rules: &RuleSet,
    queries: &[usize],
    lang: Lang,
    tree: &Tree,
    text: &SideText,
) -> Vec<RawMatch> {
    let mut out = Vec::new();
    matcher::run_queries(rules, queries, queries, lang, tree, text, None, &mut out);
    out
}

/// Every query rule of `lang` in a set, in order.
pub fn query_rules(rules: &RuleSet, lang: Lang) -> Vec<usize> {
    rules
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(&r.matcher, Matcher::Query(q) if q.supports(lang)))
        .map(|(i, _)| i)
        .collect()
}

/// The matches of every selected rule on both sides of a modified file, ready for
/// `semantics`: (old text, new text, line changes, old matches, new matches).
pub type Matched = (
    SideText,
    SideText,
    LineChanges,
    Vec<RawMatch>,
    Vec<RawMatch>,
);

pub fn matched(engine: &Engine, path: &str, old: &str, new: &str) -> Matched {
    let lang = Lang::for_path(path);
    let rules = engine.rules_for(lang, path, None);
    let plans: Plans = engine.every_plan();
    let (o, n) = (
        SideText::new(old.to_string()),
        SideText::new(new.to_string()),
    );
    let mut notes = Vec::new();
    let (om, _) = engine.run_side(lang, &o, &rules, &plans, None, &mut notes, path);
    let (nm, _) = engine.run_side(lang, &n, &rules, &plans, None, &mut notes, path);
    let changes = LineChanges::from_hunks(diff_lines(old, new));
    (o, n, changes, om, nm)
}

/// The diff semantics over one modified file's matches: candidates of both sides (snippets,
/// fingerprints, messages) and the multiset resolution. Returns the number of findings.
pub fn semantics(rules: &RuleSet, path: &str, m: &Matched) -> usize {
    let (o, n, changes, om, nm) = m;
    let f = FileChange {
        path: path.to_string(),
        old_path: None,
        old: Content::Absent,
        new: Content::Absent,
        hunks: None,
    };
    let mut cands = Vec::new();
    for x in nm {
        cands.push(semantics::new_side_candidate(
            rules,
            0,
            &f,
            n,
            changes,
            x.clone(),
        ));
    }
    for x in om {
        cands.push(semantics::old_side_candidate(
            rules,
            0,
            &f,
            o,
            Some(n),
            changes,
            x.clone(),
        ));
    }
    semantics::resolve(rules, cands, &[path]).0.len()
}
