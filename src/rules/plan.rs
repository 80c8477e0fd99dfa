//! One tree-sitter query per language holding the patterns of every query rule of that
//! language, so a side is walked once, not once per rule.
//!
//! Why: a query cursor's cost is mostly the walk over the tree (about 60% of a pull request's
//! scan went to cursor movement when each rule had its own query), and the walk is the same for
//! every rule. Matched together, the patterns share one walk; each match carries its pattern's
//! index, and the pattern's byte offset in the combined source says which rule it came from.
//! Building one query of all patterns also costs less than building each rule's query alone:
//! tree-sitter's analysis of a query is dominated by the grammar's parse table, which the
//! patterns share.
//!
//! Capture names are shared by name across the combined query (`@match`, `@secret`, …), which
//! is what the matcher wants: a match only holds the captures of its own pattern. Predicates
//! stay with their pattern.

use tree_sitter::Query;

use super::{Matcher, Rule};
use crate::lang::Lang;

/// The combined query of one language.
pub struct LangQuery {
    pub query: Query,
    /// For each pattern of `query`, the index of its rule in the rule set.
    pub rule_of_pattern: Vec<usize>,
    /// The indices of the rules whose patterns `query` holds, in rule order.
    pub rules: Vec<usize>,
    /// The `@match` capture (the finding's extent), and the `@secret` capture.
    pub match_capture: Option<u32>,
    pub secret_capture: Option<u32>,
}

impl LangQuery {
    /// Combine the queries of the rules `members` (indices into `rules`) that apply to `lang`.
    /// A rule whose query does not compile for `lang` is left out (as it is when compiled
    /// alone: it never matches there); `None` when no rule is left.
    pub fn build(rules: &[Rule], members: &[usize], lang: Lang) -> Option<LangQuery> {
        let mut members: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| matches!(&rules[i].matcher, Matcher::Query(q) if q.supports(lang)))
            .collect();
        let ts_lang = lang.ts_language();
        loop {
            if members.is_empty() {
                return None;
            }
            let (source, starts) = combined_source(rules, &members);
            match Query::new(&ts_lang, &source) {
                Ok(query) => {
                    let rule_of_pattern = (0..query.pattern_count())
                        .map(|p| {
                            let at = query.start_byte_for_pattern(p);
                            let k = starts.partition_point(|&s| s <= at).saturating_sub(1);
                            members[k]
                        })
                        .collect();
                    return Some(LangQuery {
                        match_capture: query.capture_index_for_name("match"),
                        secret_capture: query.capture_index_for_name("secret"),
                        query,
                        rule_of_pattern,
                        rules: members,
                    });
                }
                Err(e) => {
                    // Drop the rule the error is in, and build again without it.
                    let k = starts.partition_point(|&s| s <= e.offset).saturating_sub(1);
                    members.remove(k);
                }
            }
        }
    }
}

/// The members' query sources, one after the other, and where each begins.
fn combined_source(rules: &[Rule], members: &[usize]) -> (String, Vec<usize>) {
    let mut source = String::new();
    let mut starts = Vec::with_capacity(members.len());
    for &i in members {
        if let Matcher::Query(q) = &rules[i].matcher {
            starts.push(source.len());
            source.push_str(q.source());
            source.push('\n');
        }
    }
    (source, starts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load::load_text;

    fn rules(yaml: &str) -> Vec<Rule> {
        load_text("t.yaml", yaml, false).expect("rules load")
    }

    #[test]
    fn each_pattern_is_traced_to_its_rule_and_a_broken_rule_is_left_out() {
        let yaml = r#"
rules:
  - id: t/eval
    title: t
    message: m
    category: auth
    severity: low
    help: h
    languages: [python]
    query: |
      ((call function: (identifier) @f) @match (#eq? @f "eval"))
      ((call function: (identifier) @f) @match (#eq? @f "exec"))
  - id: t/broken
    title: t
    message: m
    category: auth
    severity: low
    help: h
    languages: [python, javascript]
    query: "(call_expression) @match"
  - id: t/js
    title: t
    message: m
    category: auth
    severity: low
    help: h
    languages: [javascript]
    query: "(call_expression) @match"
"#;
        let rules = rules(yaml);
        let py = LangQuery::build(&rules, &[0, 1, 2], Lang::Python).expect("python query");
        // `call_expression` is not a Python node: that rule is out, the other stays whole.
        assert_eq!(py.rules, vec![0]);
        assert_eq!(py.rule_of_pattern, vec![0, 0]);
        let js = LangQuery::build(&rules, &[0, 1, 2], Lang::Javascript).expect("javascript query");
        assert_eq!(js.rules, vec![1, 2]);
        assert_eq!(js.rule_of_pattern, vec![1, 2]);
        assert!(LangQuery::build(&rules, &[0, 1, 2], Lang::Go).is_none());
    }
}
