//! Numbers with a better side (a coverage threshold, a token lifetime, a key size): a change is
//! judged by which way it moved them, across the files of the change, and says from what to
//! what.

mod common;

use common::repo_with;

/// (rule, path, line, message) of the change `HEAD~1..HEAD`, auth and checks packs.
fn change(r: &common::TempRepo) -> Vec<(String, String, u64, String)> {
    r.change_findings_with_messages(&["--only", "auth,checks"])
}

const SETUP_CFG: &str = "[coverage:report]\nfail_under = 90\nshow_missing = true\n";

#[test]
fn a_threshold_moved_to_another_file_with_its_value_is_not_a_weakening() {
    let r = repo_with(&[("setup.cfg", SETUP_CFG)]);
    r.remove("setup.cfg");
    r.write(
        "pyproject.toml",
        "[project]\nname = \"shop\"\n\n[tool.coverage.report]\nfail_under = 90\n",
    );
    r.commit_all("Move coverage settings to pyproject.toml");
    assert_eq!(change(&r), vec![]);
}

#[test]
fn a_threshold_moved_and_lowered_is_reported_where_it_went_from_what_to_what() {
    let r = repo_with(&[("setup.cfg", SETUP_CFG)]);
    r.write("setup.cfg", "[metadata]\nname = shop\n");
    r.write(
        "pyproject.toml",
        "[project]\nname = \"shop\"\n\n[tool.coverage.report]\nfail_under = 75\n",
    );
    r.commit_all("Move coverage settings");
    let got = change(&r);
    assert_eq!(got.len(), 1, "{got:?}");
    let (rule, path, line, message) = &got[0];
    assert_eq!(rule, "checks/coverage-threshold-changed");
    assert_eq!((path.as_str(), *line), ("pyproject.toml", 5));
    assert!(message.contains("from 90 to 75"), "{message}");
}

#[test]
fn raising_a_threshold_or_a_key_size_says_nothing_lowering_one_says_what_changed() {
    let r = repo_with(&[
        (
            "pyproject.toml",
            "[tool.coverage.report]\nfail_under = 80\n",
        ),
        (
            "keys.py",
            "key = rsa.generate_private_key(public_exponent=65537, key_size=512)\n",
        ),
    ]);
    r.write(
        "pyproject.toml",
        "[tool.coverage.report]\nfail_under = 95\n",
    );
    r.write(
        "keys.py",
        "key = rsa.generate_private_key(public_exponent=65537, key_size=1024)\n",
    );
    r.commit_all("Raise the bar");
    assert_eq!(change(&r), vec![]);

    r.write(
        "pyproject.toml",
        "[tool.coverage.report]\nfail_under = 60\n",
    );
    r.write(
        "keys.py",
        "key = rsa.generate_private_key(public_exponent=65537, key_size=768)\n",
    );
    r.commit_all("Lower it");
    let got = change(&r);
    let messages: Vec<&str> = got.iter().map(|f| f.3.as_str()).collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`768`-bit") && m.contains("was 1024, now 768")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("from 95 to 60")),
        "{messages:?}"
    );
}

#[test]
fn a_token_lifetime_is_compared_across_units() {
    let r = repo_with(&[(
        "app/config.py",
        "JWT_ACCESS_TOKEN_EXPIRES = timedelta(hours=1)\n",
    )]);
    // 1 hour to 30 minutes: shorter, whatever the digits say.
    r.write(
        "app/config.py",
        "JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=30)\n",
    );
    r.commit_all("Shorter tokens");
    assert_eq!(change(&r), vec![]);
    r.write(
        "app/config.py",
        "JWT_ACCESS_TOKEN_EXPIRES = timedelta(days=2)\n",
    );
    r.commit_all("Longer tokens");
    let got = change(&r);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].3.contains("from 30 minutes to 2 days"),
        "{}",
        got[0].3
    );
}
