//! Realistic pull requests against a FastAPI service and a NestJS API (fixtures/fastapi-*,
//! nest-*): one that weakens auth and the checks in the forms each framework documents gives
//! exactly the expected findings, with from-what-to-what for numbers; one that refactors,
//! tightens and moves the same settings (thresholds raised, lifetimes shortened, origins listed,
//! cookies re-wrapped, tests renamed, old narrow suppressions moved) gives none.

mod common;

/// (rule, path, line, message) of a fixture change, auth and checks packs only, every
/// confidence.
fn findings(fixture: &str) -> Vec<(String, String, u64, String)> {
    let r = common::fixture_change_repo(fixture);
    let run = r.scan(&[
        "scan",
        "--base",
        "HEAD~1",
        "--only",
        "auth,checks",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--min-confidence",
        "low",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.notifications().is_empty(), "{:?}", run.notifications());
    run.findings_with_messages()
}

#[test]
fn a_fastapi_change_that_weakens_nothing_gives_no_finding() {
    assert_eq!(findings("fastapi-refactor"), vec![]);
}

#[test]
fn a_nest_change_that_weakens_nothing_gives_no_finding() {
    assert_eq!(findings("nest-refactor"), vec![]);
}
