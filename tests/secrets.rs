//! The secrets pack as users see it: no output format ever holds a found secret in full, one
//! secret gives one finding, a GitHub checksum sets the confidence, and `diffward.toml`
//! allowlists work.

mod common;

use common::{diffward, TempRepo};
use diffward::checksum::github_token;
use diffward::rules::{Matcher, RuleSet};

/// Every secrets rule's first `match` example, with the secret value its regex captures.
fn secret_examples() -> Vec<(String, String, String)> {
    let set = RuleSet::builtin().unwrap();
    let mut out = Vec::new();
    for rule in set
        .rules
        .iter()
        .filter(|r| r.category.as_str() == "secrets")
    {
        let Matcher::Regex(rm) = &rule.matcher else {
            continue;
        };
        let compiled = rm.compiled().expect("the built-in regex compiles");
        let Some(group) = &compiled.secret_group else {
            continue;
        };
        let ex = rule
            .examples
            .iter()
            .find(|e| e.should_match)
            .expect("a match example");
        let text = ex.after.clone().unwrap();
        let caps = compiled.regex.captures(&text).expect("the example matches");
        let secret = group.pick(&caps).unwrap().as_str().to_string();
        out.push((ex.path.clone(), text, secret));
    }
    // The structural (tree-sitter) generic rules, one case per language, and a comment. The
    // values are made up here, at run time.
    let value = |seed: &str| format!("{seed}Zq8vR2mLx7TnW4kP");
    let structural = [
        ("settings.py", "DB_PASSWORD = \"{v}\"\n"),
        (
            "client.ts",
            "const client = new Client({ apiKey: '{v}' });\n",
        ),
        ("app.yml", "db:\n  password: \"{v}\"\n"),
        ("config.toml", "[db]\npassword = \"{v}\"\n"),
        ("prod.json", "{\"db\": {\"password\": \"{v}\"}}\n"),
        ("main.go", "package main\n\nconst apiToken = \"{v}\"\n"),
        ("main.rs", "const API_TOKEN: &str = \"{v}\";\n"),
        (
            "job.py",
            "# token = \"{v}\"\nTOKEN = os.environ[\"TOKEN\"]\n",
        ),
    ];
    for (i, (path, template)) in structural.iter().enumerate() {
        let v = value(&format!("s{i}"));
        out.push((path.to_string(), template.replace("{v}", &v), v));
    }
    out
}

#[test]
fn no_format_ever_prints_a_secret_in_full() {
    let r = TempRepo::new();
    r.write("README.md", "x\n");
    r.commit_all("base");
    let examples = secret_examples();
    assert!(
        examples.len() >= 60,
        "the pack has {} secret rules",
        examples.len()
    );
    for (i, (path, text, _)) in examples.iter().enumerate() {
        r.write(&format!("case{i:03}/{path}"), text);
    }
    r.commit_all("secrets");
    for format in ["human", "json", "sarif", "github"] {
        let run = r.scan(&["scan", "--base", "HEAD~1", "--format", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        for (_, _, secret) in &examples {
            // Short secrets (a 4-character password) could occur by chance; check real ones.
            if secret.len() >= 12 {
                let shown = secret.lines().find(|l| l.len() >= 12).unwrap_or(secret);
                assert!(
                    !run.stdout.contains(shown),
                    "{format} output contains a secret: {shown}"
                );
            }
        }
    }
    let json = r
        .scan(&["scan", "--base", "HEAD~1", "--format", "json"])
        .json();
    let reported: std::collections::BTreeSet<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["path"]
                .as_str()
                .unwrap()
                .split('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        reported.len(),
        examples.len(),
        "every example file is reported"
    );
}

#[test]
fn one_secret_gives_one_finding_and_the_checksum_sets_confidence() {
    let dir = tempfile::tempdir().unwrap();
    let valid = github_token("ghp_", "FakeTokenBuiltForDiffwardTest1");
    let mut broken = valid.clone();
    let last = if valid.ends_with('Z') { "Y" } else { "Z" };
    broken.replace_range(39..40, last);
    std::fs::write(
        dir.path().join("config.py"),
        format!("GITHUB_TOKEN = \"{valid}\"\nOTHER_TOKEN = \"{broken}\"\n"),
    )
    .unwrap();
    let run = diffward(dir.path(), &["scan", ".", "--format", "json"]);
    let findings = run.findings_json();
    // The generic assignment rule matches both lines too; the provider rule wins.
    let ids: Vec<&str> = findings
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["secrets/github-token", "secrets/github-token"]);
    assert_eq!(findings[0]["confidence"], "high");
    assert_eq!(findings[0]["checksum_valid"], true);
    assert_eq!(findings[1]["confidence"], "low");
    assert_eq!(findings[1]["checksum_valid"], false);

    // npm tokens follow GitHub's format, checksum included.
    let npm = github_token("npm_", "FakeNpmTokenBuiltForDiffwardTs");
    let mut npm_broken = npm.clone();
    npm_broken.replace_range(4..5, "G");
    std::fs::write(
        dir.path().join(".npmrc-example.txt"),
        format!(
            "NPM_TOKEN={npm}
OLD_NPM_TOKEN={npm_broken}
"
        ),
    )
    .unwrap();
    let run = diffward(
        dir.path(),
        &["scan", ".npmrc-example.txt", "--format", "json"],
    );
    let findings = run.findings_json();
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert!(findings.iter().all(|f| f["rule_id"] == "secrets/npm-token"));
    assert_eq!(findings[0]["checksum_valid"], true);
    assert_eq!(findings[0]["confidence"], "high");
    assert_eq!(findings[1]["checksum_valid"], false);
    assert_eq!(findings[1]["confidence"], "low");
}

#[test]
fn private_keys_are_found_once_also_inside_json_strings() {
    let dir = tempfile::tempdir().unwrap();
    let body: String = (0..4)
        .map(|i| format!("MIIEfakeKeyMaterialBuiltForTheTestsOnly{i:02}abcdefghijABCDEFGHIJ0123\n"))
        .collect();
    let pem = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----\n");
    std::fs::write(dir.path().join("key.pem"), &pem).unwrap();
    let json = serde_json::json!({ "type": "service_account", "private_key": pem }).to_string();
    std::fs::write(dir.path().join("sa.json"), json).unwrap();
    let run = diffward(dir.path(), &["scan", ".", "--format", "json"]);
    let got: Vec<(String, String)> = run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().into(),
                f["path"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("secrets/private-key".to_string(), "key.pem".to_string()),
            ("secrets/private-key".to_string(), "sa.json".to_string()),
        ]
    );
    assert!(!run.stdout.contains("MIIEfakeKeyMaterial"));
}

#[test]
fn config_allowlists_paths_regexes_and_fingerprints() {
    let r = TempRepo::new();
    r.write("README.md", "x\n");
    r.commit_all("base");
    let key = "AKIAZ7TESTFAKEKEY234";
    r.write("tests/fixtures/aws.py", format!("KEY = '{key}'\n"));
    r.write("app/a.py", format!("KEY = '{key}'\n"));
    r.write(
        "app/b.py",
        "TOKEN = 'sk_live_FakeStripeKeyBuiltForTests0123'\n",
    );
    r.commit_all("keys");
    let before = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(before.findings().len(), 3);
    let stripe_fp = before.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "app/b.py")
        .unwrap()["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    r.write(
        "diffward.toml",
        format!("[allow]\npaths = [\"tests/fixtures/**\"]\nregexes = [\"^AKIAZ7TEST\"]\nfingerprints = [\"{stripe_fp}\"]\n"),
    );
    let after = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(after.findings(), vec![], "{}", after.stdout);
    assert_eq!(after.code, 0);

    r.write("diffward.toml", "[allow]\nregexes = [\"(unclosed\"]\n");
    let bad = r.scan(&["scan", "--base", "HEAD~1"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("allow.regexes"), "{}", bad.stderr);
}

#[test]
fn secrets_in_test_paths_get_low_confidence_unless_configured() {
    let r = TempRepo::new();
    r.write("README.md", "x\n");
    r.commit_all("base");
    let key = "sk_live_FakeStripeKeyBuiltForTests0123";
    r.write("tests/test_billing.py", format!("KEY = '{key}'\n"));
    r.write("app/billing.py", format!("KEY = '{key}'\n"));
    r.commit_all("keys");
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    let conf: Vec<(String, String)> = run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().into(),
                f["confidence"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        conf,
        vec![
            ("app/billing.py".to_string(), "high".to_string()),
            ("tests/test_billing.py".to_string(), "low".to_string()),
        ]
    );
    r.write("diffward.toml", "[scan]\nsecrets-in-tests = \"skip\"\n");
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(
        run.findings(),
        vec![("secrets/stripe-live-key".into(), "app/billing.py".into(), 1)]
    );
}

#[test]
fn a_findings_context_lines_never_show_another_secret() {
    let dir = tempfile::tempdir().unwrap();
    // Two secrets on neighbouring lines: each finding's snippet and context lines include the
    // other one's line. Values built here, for the test.
    let token = github_token("ghp_", "NeighbourTokenBuiltForTheTest1");
    let password = format!("{}{}", "Tq9mZ4vLx7", "Rk2wQ8sN");
    let text = format!(
        "import os\nGITHUB_TOKEN = \"{token}\"\nDB_PASSWORD = \"{password}\"\nROLE = \"arn:aws:iam::381492075316:role/deploy\"\n"
    );
    std::fs::write(dir.path().join("settings.py"), text).unwrap();
    for format in ["human", "json", "sarif", "github"] {
        let run = diffward(dir.path(), &["scan", ".", "--format", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(
            run.stdout.contains("settings.py"),
            "{format}: {}",
            run.stdout
        );
        assert!(
            !run.stdout.contains(&token),
            "{format} shows the token: {}",
            run.stdout
        );
        assert!(
            !run.stdout.contains(&password),
            "{format} shows the password: {}",
            run.stdout
        );
    }
}

#[test]
fn a_provider_token_that_looks_made_up_is_low_confidence() {
    let dir = tempfile::tempdir().unwrap();
    // Okta's documentation style: the vendor format, with an alphabet run inside.
    let doc = format!("00QCjAl4MlV-WPXM-{}-0HmjFx-vbGua", "ABCDEFGHIJKL");
    let real = format!("00{}", "q7Xt2LmR9vZ4pK8sW3nB6yC1fJ5hD0gT8kQ2wE4r");
    std::fs::write(
        dir.path().join("okta.txt"),
        format!("Authorization: SSWS {doc}\nAuthorization: SSWS {real}\n"),
    )
    .unwrap();
    let run = diffward(dir.path(), &["scan", ".", "--format", "json"]);
    let findings = run.findings_json();
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert_eq!(findings[0]["rule_id"], "secrets/okta-token");
    assert_eq!(findings[0]["confidence"], "low");
    assert_eq!(findings[1]["confidence"], "high");
}

#[test]
fn other_scanners_allow_markers_are_honoured_for_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let key = |i: u32| format!("Zq8vR2mLx7TnW4kP{i}q9T");
    let text = format!(
        "A = \"{}\"  # gitleaks:allow\nB = \"{}\"  # pragma: allowlist secret\n# pragma: allowlist nextline secret\nC_TOKEN = \"{}\"\nD_TOKEN = \"{}\"\n",
        key(1),
        key(2),
        key(3),
        key(4)
    );
    std::fs::write(
        dir.path().join("settings.txt"),
        text.replace("A =", "A_TOKEN =").replace("B =", "B_TOKEN ="),
    )
    .unwrap();
    let run = diffward(dir.path(), &["scan", ".", "--format", "json"]);
    let findings = run.findings_json();
    let lines: Vec<u64> = findings
        .iter()
        .map(|f| f["region"]["start_line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![5], "{findings:?}");
}
