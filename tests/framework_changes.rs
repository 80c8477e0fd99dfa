//! Realistic pull requests against a FastAPI service and a NestJS API (fixtures/fastapi-*,
//! nest-*): one that weakens auth and the checks in the forms each framework documents gives
//! exactly the expected findings, with from-what-to-what for numbers; one that refactors,
//! tightens and moves the same settings (thresholds raised, lifetimes shortened, origins listed,
//! cookies re-wrapped, tests renamed, old narrow suppressions moved) gives none.

mod common;

/// (rule, path, line, message) of a fixture change, auth and checks packs only, every
/// confidence.
fn findings(fixture: &str) -> Vec<(String, String, u64, String)> {
    common::fixture_change_repo(fixture).change_findings_with_messages(&["--only", "auth,checks"])
}

#[test]
fn a_fastapi_change_that_weakens_nothing_gives_no_finding() {
    assert_eq!(findings("fastapi-refactor"), vec![]);
}

#[test]
fn a_nest_change_that_weakens_nothing_gives_no_finding() {
    assert_eq!(findings("nest-refactor"), vec![]);
}

/// (rule, path, line) of each finding, and the messages.
fn located(found: &[(String, String, u64, String)]) -> Vec<(&str, &str, u64)> {
    found
        .iter()
        .map(|(r, p, l, _)| (r.as_str(), p.as_str(), *l))
        .collect()
}

fn message_of<'a>(found: &'a [(String, String, u64, String)], rule: &str) -> &'a str {
    found
        .iter()
        .find(|f| f.0 == rule)
        .map(|f| f.3.as_str())
        .unwrap_or_default()
}

#[test]
fn a_fastapi_change_that_weakens_auth_and_checks_gives_each_weakening_once() {
    let found = findings("fastapi-weakened");
    assert_eq!(
        located(&found),
        vec![
            ("auth/curl-tls-verify-disabled", "Dockerfile", 4),
            ("auth/tls-verify-disabled-env", "Dockerfile", 5),
            ("checks/ci-failure-ignored", "Makefile", 2),
            ("auth/jwt-verification-disabled-python", "app/auth.py", 15),
            ("auth/tls-verify-disabled-python", "app/billing.py", 7),
            ("checks/noqa-code-added-python", "app/billing.py", 13),
            ("checks/type-ignore-code-added-python", "app/billing.py", 17),
            ("auth/session-lifetime-raised", "app/config.py", 8),
            (
                "auth/cors-any-origin-with-credentials-python",
                "app/main.py",
                11
            ),
            ("auth/insecure-cookie-python", "app/main.py", 20),
            ("checks/coverage-threshold-changed", "pyproject.toml", 5),
        ]
    );
    assert!(message_of(&found, "checks/coverage-threshold-changed").contains("from 90 to 70"));
    assert!(message_of(&found, "auth/session-lifetime-raised").contains("from 30 to 60 * 24 * 30"));
    assert!(message_of(&found, "checks/noqa-code-added-python").contains("C901"));
}

#[test]
fn a_nest_change_that_weakens_auth_and_checks_gives_each_weakening_once() {
    let found = findings("nest-weakened");
    assert_eq!(
        located(&found),
        vec![
            (
                "auth/tls-verify-disabled-env",
                ".github/workflows/ci.yml",
                16
            ),
            ("checks/coverage-threshold-changed", "jest.config.js", 4),
            ("checks/tests-pass-with-none", "package.json", 8),
            ("checks/lint-limit-raised", "package.json", 9),
            ("auth/rate-limit-raised-js", "src/app.module.ts", 7),
            (
                "checks/eslint-rule-disabled-js",
                "src/auth.controller.ts",
                10
            ),
            ("auth/insecure-cookie-js", "src/auth.controller.ts", 13),
            ("auth/weak-password-hash-js", "src/auth.service.ts", 11),
            ("auth/token-lifetime-raised-js", "src/auth.service.ts", 15),
            ("auth/jwt-none-algorithm-js", "src/auth.service.ts", 19),
            ("auth/cors-any-origin-with-credentials", "src/main.ts", 8),
            (
                "checks/ts-expect-error-added",
                "test/auth.service.spec.ts",
                7
            ),
        ]
    );
    assert!(message_of(&found, "auth/rate-limit-raised-js").contains("from 10 to 1000"));
    assert!(message_of(&found, "auth/token-lifetime-raised-js").contains("from 15m to 30d"));
    assert!(message_of(&found, "checks/lint-limit-raised").contains("from 0 to 200"));
}
