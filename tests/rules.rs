//! The built-in rule packs: every rule compiles, every example behaves as it says, the
//! committed JSON Schema is current, and the example harness really fails a wrong example.

mod common;

use diffward::rule_tests::run_examples;
use diffward::rules::{RuleSelection, RuleSet};

#[test]
fn every_builtin_rule_compiles_for_every_language_it_names() {
    let set = RuleSet::builtin().expect("built-in rules load");
    assert!(set.rules.len() >= 6);
    for cat in ["secrets", "auth", "credentials", "ci", "checks"] {
        assert!(
            set.rules.iter().any(|r| r.category.as_str() == cat),
            "a starter rule in {cat}"
        );
    }
    assert!(
        set.rules
            .iter()
            .any(|r| r.diff == diffward::rules::DiffMode::Removed),
        "at least one `removed` rule"
    );
}

#[test]
fn every_builtin_rule_has_examples_that_pass() {
    let set = RuleSet::builtin().unwrap();
    for r in &set.rules {
        assert!(
            r.examples.iter().any(|e| e.should_match),
            "{} has a match example",
            r.id
        );
        assert!(
            r.examples.iter().any(|e| !e.should_match),
            "{} has a no-match example",
            r.id
        );
        assert!(
            r.examples.iter().any(|e| e.before.is_some()),
            "{} has a before/after example",
            r.id
        );
    }
    let summary = run_examples(&set);
    let failures: Vec<String> = summary.failures.iter().map(|f| f.to_string()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(summary.examples >= 6 * 3);
}

#[test]
fn a_wrong_example_is_reported_as_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wrong.yaml");
    std::fs::write(
        &file,
        "rules:\n  - id: custom/print\n    title: print\n    message: print\n    category: checks\n    severity: low\n    languages: [python]\n    query: '(call function: (identifier) @f (#eq? @f \"print\")) @match'\n    help: x\n    examples:\n      match: [\"log('x')\\n\"]\n      no-match: [\"print('x')\\n\"]\n",
    )
    .unwrap();
    let set = RuleSet::load(&RuleSelection {
        builtin: false,
        extra: vec![file],
        ..Default::default()
    })
    .unwrap();
    let summary = run_examples(&set);
    assert_eq!(summary.examples, 2);
    assert_eq!(summary.failures.len(), 2);
    let run = common::diffward(dir.path(), &["rules", "test", "wrong.yaml"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("0 passed, 2 failed"), "{}", run.stdout);
}

#[test]
fn committed_rule_schema_is_current() {
    let committed = include_str!("../rules/schema.json");
    assert_eq!(
        committed,
        diffward::rules::schema::json_schema(),
        "rules/schema.json is stale: run `cargo run -- rules schema > rules/schema.json`"
    );
}

#[test]
fn rules_explain_shows_the_help() {
    let dir = tempfile::tempdir().unwrap();
    let run = common::diffward(
        dir.path(),
        &["rules", "explain", "auth/tls-verify-disabled-python"],
    );
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("CWE-295"));
    assert!(run.stdout.contains("Remove the argument"));
    let run = common::diffward(dir.path(), &["rules", "explain", "auth/nope"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no rule `auth/nope`"));
}
