//! The auth and checks packs as a new user meets them: a pull-request-sized change to a
//! realistic Django app and to a realistic Express app (fixtures/django-shop, express-shop)
//! gives exactly the expected findings, each with advice on how to fix it.

mod common;

use common::TempRepo;

fn app_repo(app: &str) -> TempRepo {
    common::fixture_change_repo(app)
}

fn expect_findings(app: &str, expected: &[(&str, &str, u64)]) -> TempRepo {
    let r = app_repo(app);
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let got = run.findings();
    let want: Vec<(String, String, u64)> = expected
        .iter()
        .map(|(id, p, l)| (id.to_string(), p.to_string(), *l))
        .collect();
    assert_eq!(got, want, "\n{}", run.stdout);
    r
}

fn human(r: &TempRepo) -> String {
    let out = r.scan(&["scan", "--base", "HEAD~1"]).stdout;
    let time = regex::Regex::new(r"· \d+ ms").unwrap();
    let commit = regex::Regex::new(r"commit [0-9a-f]{10}").unwrap();
    let out = time.replace_all(&out, "· [TIME]").into_owned();
    commit.replace_all(&out, "commit [COMMIT]").into_owned()
}

#[test]
fn django_change_gives_exactly_the_expected_findings() {
    let r = expect_findings(
        "django-shop",
        &[
            ("checks/ci-failure-ignored", ".github/workflows/ci.yml", 14),
            (
                "checks/ci-continue-on-error",
                ".github/workflows/ci.yml",
                16,
            ),
            ("auth/tls-verify-disabled-python", "orders/payments.py", 14),
            ("checks/pytest-skip-added", "orders/tests/test_views.py", 5),
            (
                "checks/python-assertion-removed",
                "orders/tests/test_views.py",
                16,
            ),
            ("auth/login-required-removed", "orders/views.py", 12),
            ("auth/csrf-exempt-added", "orders/views.py", 17),
            ("auth/drf-permission-removed", "orders/views.py", 25),
            ("checks/coverage-threshold-changed", "pyproject.toml", 6),
            ("auth/django-debug-enabled", "shop/settings.py", 6),
            ("auth/django-allowed-hosts-wildcard", "shop/settings.py", 7),
            (
                "auth/django-security-middleware-removed",
                "shop/settings.py",
                20,
            ),
            ("auth/insecure-cookie-python", "shop/settings.py", 23),
        ],
    );
    let out = human(&r);
    assert_eq!(
        out.matches("  help: ").count(),
        13,
        "every finding says how to fix it"
    );
    insta::assert_snapshot!("django_shop_human", out);
}

#[test]
fn express_change_gives_exactly_the_expected_findings() {
    let r = expect_findings(
        "express-shop",
        &[
            ("checks/ci-failure-ignored", "package.json", 7),
            ("auth/cors-any-origin-with-credentials", "src/app.js", 9),
            ("auth/insecure-cookie-js", "src/app.js", 14),
            ("auth/express-auth-middleware-removed", "src/app.js", 19),
            ("auth/express-auth-middleware-removed", "src/app.js", 19),
            ("auth/jwt-verification-disabled-js", "src/auth.js", 10),
            ("auth/bcrypt-cost-too-low-js", "src/auth.js", 22),
            (
                "auth/tls-reject-unauthorized-disabled-js",
                "src/payments.js",
                3,
            ),
            ("checks/lint-suppression-added-js", "test/orders.test.js", 1),
            ("checks/js-test-skipped", "test/orders.test.js", 11),
            ("checks/js-assertion-removed", "test/orders.test.js", 14),
        ],
    );
    let out = human(&r);
    assert_eq!(
        out.matches("  help: ").count(),
        11,
        "every finding says how to fix it"
    );
    insta::assert_snapshot!("express_shop_human", out);
}

#[test]
fn unchanged_apps_scanned_whole_stay_quiet_on_removed_rules() {
    // A plain scan has no old side: `removed` rules can never fire on it.
    let r = app_repo("django-shop");
    let run = r.scan(&[
        "scan",
        ".",
        "--format",
        "json",
        "--only",
        "auth/login-required-removed,auth/drf-permission-removed,checks/python-test-removed",
    ]);
    assert_eq!(run.findings(), vec![]);
}

/// (rule, path, line, message) of every finding of a fixture change.
fn dependency_findings(app: &str) -> Vec<(String, String, u64, String)> {
    let r = app_repo(app);
    let run = r.scan(&[
        "scan",
        "--base",
        "HEAD~1",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.findings_with_messages()
}

#[test]
fn npm_change_made_by_npm_reports_new_git_and_script_but_not_the_bump() {
    // fixtures/deps-npm: `npm install --package-lock-only` of express@4.19.2, then of
    // express@4.21.2 (a bump) and left-pad, a postinstall script and a GitHub dependency set
    // with `npm pkg set`.
    let got = dependency_findings("deps-npm");
    let ids: Vec<(&str, &str, u64)> = got
        .iter()
        .map(|(id, p, l, _)| (id.as_str(), p.as_str(), *l))
        .collect();
    assert_eq!(
        ids,
        vec![
            ("dependencies/npm-install-script-added", "package.json", 8),
            (
                "dependencies/dependency-from-git-or-url",
                "package.json",
                16
            ),
            ("dependencies/new-dependency", "package.json", 17),
        ],
        "{got:#?}"
    );
    assert!(got[2].3.contains("`left-pad` ^1.3.0"), "{}", got[2].3);
    assert!(
        got[1].3.contains("github:someone/fork-utils"),
        "{}",
        got[1].3
    );
}

#[test]
fn cargo_change_made_by_cargo_add_reports_new_crates_not_the_bump() {
    // fixtures/deps-cargo: `cargo add serde@1`, then `cargo add serde@1.0.210` (a bump),
    // `cargo add regex@1` and `cargo add --dev tempfile@3`.
    let got = dependency_findings("deps-cargo");
    let ids: Vec<(&str, u64)> = got.iter().map(|(id, _, l, _)| (id.as_str(), *l)).collect();
    assert_eq!(
        ids,
        vec![
            ("dependencies/new-dependency", 7),
            ("dependencies/new-dependency", 11)
        ],
        "{got:#?}"
    );
    assert!(
        got[0].3.contains("`regex` 1 is a new cargo dependency"),
        "{}",
        got[0].3
    );
    assert!(got[1].3.contains("dev-dependencies"), "{}", got[1].3);
}

#[test]
fn diffward_toml_sets_a_rules_severity_and_rejects_a_typo() {
    let r = app_repo("deps-npm");
    let scan = |r: &TempRepo| {
        r.scan(&[
            "scan",
            "--base",
            "HEAD~1",
            "--format",
            "json",
            "--only",
            "dependencies/new-dependency",
        ])
    };
    assert_eq!(
        scan(&r).code,
        0,
        "a new dependency is info: it does not fail a default scan"
    );
    r.write(
        "diffward.toml",
        "[severity]\n\"dependencies/new-dependency\" = \"medium\"\n",
    );
    let run = scan(&r);
    assert_eq!(run.code, 1);
    assert_eq!(run.findings_json()[0]["severity"], "medium");
    r.write(
        "diffward.toml",
        "[severity]\n\"dependencies/new-dependncy\" = \"medium\"\n",
    );
    let run = scan(&r);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no rule and no category"),
        "{}",
        run.stderr
    );
}
