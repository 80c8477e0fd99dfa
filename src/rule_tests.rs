//! Running each rule's `examples` through the real engine, as `diffward rules test` and the test
//! suite do: a `match` example must give the rule at least one finding, a `no-match` none.

use std::path::PathBuf;

use crate::engine::{self, ScanOptions};
use crate::rules::{Rule, RuleSet};
use crate::source::{ChangeKind, ChangeSet, Content, FileChange};

/// An example whose outcome was not the expected one.
#[derive(Debug)]
pub struct ExampleFailure {
    pub rule_id: String,
    pub origin: String,
    pub index: usize,
    pub expected_match: bool,
    pub found: usize,
}

impl std::fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {} example #{} {}",
            self.rule_id,
            self.origin,
            if self.expected_match {
                "match"
            } else {
                "no-match"
            },
            self.index + 1,
            if self.expected_match {
                "gave no finding".to_string()
            } else {
                format!("gave {} finding(s)", self.found)
            }
        )
    }
}

/// The counts of one run.
#[derive(Debug, Default)]
pub struct ExampleSummary {
    pub rules: usize,
    pub examples: usize,
    pub failures: Vec<ExampleFailure>,
}

fn run_one(set: &RuleSet, rule: &Rule, ex: &crate::rules::compile::Example) -> usize {
    let content = |s: &Option<String>| match s {
        Some(t) => Content::Bytes(t.clone().into_bytes()),
        None => Content::Absent,
    };
    let changes = ChangeSet {
        root: PathBuf::from("."),
        kind: ChangeKind::Patch,
        files: vec![FileChange {
            path: ex.path.clone(),
            old_path: None,
            old: content(&ex.before),
            new: content(&ex.after),
            hunks: None,
        }],
        notifications: Vec::new(),
        repo: None,
        context: ex
            .beside
            .iter()
            .map(|(path, text)| FileChange {
                path: path.clone(),
                old_path: None,
                old: Content::Absent,
                new: Content::Bytes(text.clone().into_bytes()),
                hunks: None,
            })
            .collect(),
    };
    engine::scan(&changes, set, ScanOptions::default())
        .findings
        .iter()
        .filter(|f| f.rule_id == rule.id)
        .count()
}

/// Run every example of every rule in `set`.
pub fn run_examples(set: &RuleSet) -> ExampleSummary {
    let mut summary = ExampleSummary::default();
    for rule in &set.rules {
        if rule.examples.is_empty() {
            continue;
        }
        summary.rules += 1;
        let (mut m, mut n) = (0, 0);
        for ex in &rule.examples {
            summary.examples += 1;
            let index = if ex.should_match { m } else { n };
            if ex.should_match {
                m += 1
            } else {
                n += 1
            }
            let found = run_one(set, rule, ex);
            if (found > 0) != ex.should_match {
                summary.failures.push(ExampleFailure {
                    rule_id: rule.id.clone(),
                    origin: rule.origin.clone(),
                    index,
                    expected_match: ex.should_match,
                    found,
                });
            }
        }
    }
    summary
}
