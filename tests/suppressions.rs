//! Baselines, allow comments a change adds, and the AI-assisted policy, end to end: real git
//! repositories, the real binary, what a user reads.

#![allow(clippy::disallowed_methods)] // tests start git and diffward themselves

mod common;

use common::{repo_with, TempRepo, FAKE_AWS_KEY};

/// A second fake AWS key id (not a real credential), for a finding that is not baselined.
const OTHER_FAKE_KEY: &str = "AKIAZ7TESTOTHERKEY56";

const BASELINE: &str = ".diffward-baseline.toml";

/// A repository with history: a key and a TLS bypass that are still there, and a key that was
/// committed and deleted again.
fn repo_with_old_findings() -> TempRepo {
    let r = repo_with(&[
        (
            "app/settings.py",
            &format!("DEBUG = False\nKEY = '{FAKE_AWS_KEY}'\n"),
        ),
        (
            "app/client.py",
            "import requests\n\n\ndef get(u):\n    return requests.get(u, verify=False)\n",
        ),
        ("old.py", &format!("OLD = '{OTHER_FAKE_KEY}'\n")),
    ]);
    r.remove("old.py");
    r.commit_all("drop the old module");
    r
}

fn ids(run: &common::Run) -> Vec<String> {
    run.findings().into_iter().map(|(id, _, _)| id).collect()
}

#[test]
fn a_baseline_accepts_what_is_there_and_still_reports_what_is_new() {
    let r = repo_with_old_findings();
    let run = r.scan(&["baseline", "create", BASELINE]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("3 entries"), "{}", run.stderr);
    let text = std::fs::read_to_string(r.path().join(BASELINE)).unwrap();
    assert!(text.starts_with("# diffward baseline"), "{text}");
    assert!(
        text.contains("path = \"old.py\""),
        "the deleted key's commit: {text}"
    );
    assert!(
        !text.contains(FAKE_AWS_KEY) && !text.contains(OTHER_FAKE_KEY) && !text.contains("AKIA"),
        "no secret in clear: {text}"
    );
    assert!(!text.contains("line ="), "no line numbers: {text}");
    // A second create would overwrite what people wrote in it.
    let again = r.scan(&["baseline", "create", BASELINE]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("baseline update"), "{}", again.stderr);

    // The whole tree is accepted as it is.
    let run = r.scan(&["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(ids(&run), Vec::<String>::new());
    assert_eq!(run.json()["summary"]["suppressed"]["by_baseline"], 2);
    // So is a first push of the whole history (the deleted key too).
    let empty = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    let head = r.git(&["rev-parse", "HEAD"]).trim().to_string();
    let lines = format!(
        "refs/heads/main {head} refs/heads/main {}\n",
        "0".repeat(40)
    );
    let run = common::diffward_stdin(
        r.path(),
        &["scan", "--pre-push", "origin", "url", "--format", "json"],
        &lines,
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let _ = empty;

    // The same key copied into another file is new; so is one more copy in the same file.
    r.write("app/other.py", format!("K = '{FAKE_AWS_KEY}'\n"));
    r.write(
        "app/settings.py",
        format!("DEBUG = False\nKEY = '{FAKE_AWS_KEY}'\nKEY2 = '{FAKE_AWS_KEY}'\n"),
    );
    let run = r.scan(&["scan", ".", "--format", "json"]);
    let mut found: Vec<(String, String)> = run
        .findings()
        .into_iter()
        .map(|(id, p, _)| (id, p))
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("secrets/aws-access-key-id".into(), "app/other.py".into()),
            ("secrets/aws-access-key-id".into(), "app/settings.py".into()),
        ],
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 1);
    assert!(!run.stdout.contains(FAKE_AWS_KEY));
}

#[test]
fn entries_survive_moves_and_renames_and_unused_ones_are_listed_then_dropped() {
    let r = repo_with_old_findings();
    assert_eq!(r.scan(&["baseline", "create", BASELINE]).code, 0);
    // Say why by hand: `update` must keep it.
    let text = std::fs::read_to_string(r.path().join(BASELINE)).unwrap();
    let text = text.replacen(
        "path = \"app/settings.py\"\n",
        "path = \"app/settings.py\"\nreason = \"test account, rotated in #7\"\nowner = \"platform\"\n",
        1,
    );
    assert!(text.contains("owner"), "{text}");
    r.write(BASELINE, &text);
    r.commit_all("baseline");

    // Code moves inside its file, then the file is renamed: still accepted.
    r.write(
        "app/settings.py",
        format!("import os\n\n\nDEBUG = os.environ.get('DEBUG') == '1'\nKEY = '{FAKE_AWS_KEY}'\n"),
    );
    r.commit_all("settings from the environment");
    r.git(&["mv", "app/settings.py", "app/config.py"]);
    r.commit_all("rename");
    let run = r.scan(&["scan", ".", "--format", "json"]);
    assert_eq!(ids(&run), Vec::<String>::new(), "{}", run.stdout);

    // The TLS bypass is fixed: its entry covers nothing any more.
    r.write(
        "app/client.py",
        "import requests\n\n\ndef get(u):\n    return requests.get(u)\n",
    );
    let run = r.scan(&["scan", ".", "--report-unused"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("1 baseline entry in .diffward-baseline.toml covered nothing"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("unused: .diffward-baseline.toml:")
            && run
                .stdout
                .contains("auth/tls-verify-disabled-python  app/client.py"),
        "{}",
        run.stdout
    );
    let json = r.scan(&["scan", ".", "--format", "json"]).json();
    assert_eq!(json["baseline"]["unused"][0]["path"], "app/client.py");

    // `update` (from the committed history, like `create`) drops it, follows the rename, and
    // keeps what people wrote.
    r.commit_all("verify certificates");
    let run = r.scan(&["baseline", "update", BASELINE]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("1 dropped"), "{}", run.stderr);
    let text = std::fs::read_to_string(r.path().join(BASELINE)).unwrap();
    assert!(!text.contains("app/client.py"), "{text}");
    assert!(
        text.contains("path = \"app/config.py\"\nfingerprint")
            && text.contains("reason = \"test account, rotated in #7\"\nowner = \"platform\""),
        "{text}"
    );
    let run = r.scan(&["scan", ".", "--format", "json", "--report-unused"]);
    assert_eq!(ids(&run), Vec::<String>::new(), "{}", run.stdout);
    assert_eq!(run.json()["baseline"]["unused"], serde_json::json!([]));
}

#[test]
fn an_expired_entry_stops_suppressing_and_says_so() {
    let r = repo_with_old_findings();
    assert_eq!(r.scan(&["baseline", "create", BASELINE]).code, 0);
    let text = std::fs::read_to_string(r.path().join(BASELINE)).unwrap();
    let text = text.replacen(
        "path = \"app/client.py\"\n",
        "path = \"app/client.py\"\nexpires = \"2001-02-03\"\n",
        1,
    );
    r.write(BASELINE, &text);
    let run = r.scan(&["scan", ".", "--format", "json"]);
    assert_eq!(ids(&run), vec!["auth/tls-verify-disabled-python"]);
    let msg = run.findings_json()[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("expired on 2001-02-03"), "{msg}");
    let human = r.scan(&["scan", "."]);
    assert!(
        human.stdout.contains("baseline entry expired"),
        "{}",
        human.stdout
    );
    // A bad date names the line.
    r.write(BASELINE, text.replace("2001-02-03", "soon"));
    let bad = r.scan(&["scan", "."]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("YYYY-MM-DD") && bad.stderr.contains("line "),
        "{}",
        bad.stderr
    );
}

#[test]
fn sarif_leaves_suppressed_findings_out_unless_asked() {
    let r = repo_with_old_findings();
    assert_eq!(r.scan(&["baseline", "create", BASELINE]).code, 0);
    r.write(
        "app/mock.py",
        "import requests\nr = requests.get(u, verify=False)  # diffward:allow auth local mock server\n",
    );
    let sarif = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["scan", ".", "--format", "sarif"];
        args.extend_from_slice(extra);
        serde_json::from_str(&r.scan(&args).stdout).unwrap()
    };
    let plain = sarif(&[]);
    assert_eq!(plain["runs"][0]["results"].as_array().unwrap().len(), 0);
    let all = sarif(&["--include-suppressed"]);
    let results = all["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "{results:#?}");
    let kinds: Vec<&str> = results
        .iter()
        .map(|r| r["suppressions"][0]["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"inSource") && kinds.contains(&"external"),
        "{kinds:?}"
    );
    let in_source = results
        .iter()
        .find(|r| r["suppressions"][0]["kind"] == "inSource")
        .unwrap();
    assert_eq!(in_source["suppressions"][0]["status"], "accepted");
    assert_eq!(
        in_source["suppressions"][0]["justification"],
        "local mock server"
    );
    assert!(!serde_json::to_string(&all).unwrap().contains(FAKE_AWS_KEY));
}

/// A repository whose last commit adds `verify=False` with an allow comment, by `author_trailer`.
fn allow_added_in_a_commit(trailer: &str) -> TempRepo {
    let r = repo_with(&[("app.py", "import requests\n")]);
    r.write(
        "app.py",
        "import requests\nr = requests.get(u, verify=False)  # diffward:allow auth local mock server\n",
    );
    r.commit_all(&format!("call the mock\n\n{trailer}"));
    r
}

#[test]
fn an_allow_comment_the_change_adds_is_reported_but_a_plain_scan_does_not_flag_it() {
    let r = allow_added_in_a_commit("Signed-off-by: Dev <dev@example.com>");
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(
        ids(&run),
        vec!["checks/diffward-allow-added"],
        "{}",
        run.stdout
    );
    let f = &run.findings_json()[0];
    assert_eq!(f["severity"], "low");
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("`auth`") && msg.contains("local mock server"),
        "{msg}"
    );
    assert!(
        msg.ends_with("it covers auth/tls-verify-disabled-python (high)"),
        "{msg}"
    );
    assert_eq!(run.json()["summary"]["suppressed"]["by_comment"], 1);
    // A marker that covers nothing (documentation, a string that lists markers) has nothing
    // to show a reviewer.
    r.write(
        "docs.py",
        "HELP = 'write # diffward:allow auth with the reason why'\nMARKERS = ['gitleaks:allow']\n",
    );
    r.commit_all("docs");
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(ids(&run), Vec::<String>::new(), "{}", run.stdout);
    // The same file scanned whole: no change added the comment, nothing to report.
    let run = r.scan(&["scan", "app.py", "--format", "json"]);
    assert_eq!(ids(&run), Vec::<String>::new(), "{}", run.stdout);
}

#[test]
fn an_ai_assisted_commit_cannot_silence_its_own_high_finding() {
    let r = allow_added_in_a_commit("Co-Authored-By: Claude <noreply@anthropic.com>");
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    let mut got = ids(&run);
    got.sort();
    assert_eq!(
        got,
        vec![
            "auth/tls-verify-disabled-python",
            "checks/diffward-allow-added"
        ],
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 1);
    let tls = run
        .findings_json()
        .into_iter()
        .find(|f| f["rule_id"] == "auth/tls-verify-disabled-python")
        .unwrap();
    let msg = tls["message"].as_str().unwrap();
    assert!(
        msg.contains("not silenced")
            && msg.contains("AI-assisted commit")
            && msg.contains("Claude Code"),
        "{msg}"
    );
    // The project may allow it.
    r.write(
        "diffward.toml",
        "[policy]\nai-assisted-may-suppress = true\n",
    );
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(ids(&run), vec!["checks/diffward-allow-added"]);
    // A person's commit on top that re-adds the comment does not change who added it... but a
    // person who writes the exception in their own commit may.
    let r = allow_added_in_a_commit("Signed-off-by: Dev <dev@example.com>");
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(ids(&run), vec!["checks/diffward-allow-added"]);
}

#[test]
fn a_baseline_entry_an_ai_commit_adds_does_not_silence_a_new_secret() {
    let r = repo_with(&[("app.py", "x = 1\n")]);
    r.write("app.py", format!("x = 1\nKEY = '{FAKE_AWS_KEY}'\n"));
    // The agent writes the baseline in the same commit as the key.
    assert_eq!(r.scan(&["baseline", "create", BASELINE, "app.py"]).code, 0);
    r.commit_all("add the client key\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>");
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    let mut got = ids(&run);
    got.sort();
    assert_eq!(
        got,
        vec!["checks/baseline-entry-added", "secrets/aws-access-key-id"],
        "{}",
        run.stdout
    );
    let key = run
        .findings_json()
        .into_iter()
        .find(|f| f["rule_id"] == "secrets/aws-access-key-id")
        .unwrap();
    assert!(
        key["message"]
            .as_str()
            .unwrap()
            .contains("baseline entry at .diffward-baseline.toml:"),
        "{key}"
    );
    assert!(!run.stdout.contains(FAKE_AWS_KEY));
}

#[test]
fn ai_assisted_commits_are_counted_and_held_to_their_own_bar() {
    let r = repo_with(&[("app.py", "import requests\n")]);
    r.write(
        "diffward.toml",
        "[scan]\nfail-on = \"critical\"\n\n[policy]\nai-assisted-fail-on = \"medium\"\n",
    );
    r.commit_all("settings");
    r.write(
        "app.py",
        "import requests\nr = requests.get(u, verify=False)\n",
    );
    r.commit_all("call it");
    // A person's high finding passes the project's critical bar.
    assert_eq!(r.scan(&["scan", "--base", "HEAD~1"]).code, 0);
    r.write(
        "b.py",
        "import requests\nr = requests.post(u, verify=False)\n",
    );
    r.commit_all("post it\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>");
    let head = r.git(&["rev-parse", "HEAD"]).trim().to_string();
    // An agent's is held to medium.
    let run = r.scan(&["scan", "--base", "HEAD~2", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let ai = &run.json()["summary"]["ai_assisted"];
    assert_eq!(ai["findings"], 1);
    assert_eq!(ai["commits"][0]["commit"], head.as_str());
    assert_eq!(ai["commits"][0]["assistant"], "GitHub Copilot");
    let human = r.scan(&["scan", "--base", "HEAD~2"]);
    assert!(
        human.stdout.contains("1 of them from AI-assisted commit: ")
            && human.stdout.contains(&head[..10])
            && human.stdout.contains("GitHub Copilot"),
        "{}",
        human.stdout
    );
    let sarif: serde_json::Value = serde_json::from_str(
        &r.scan(&["scan", "--base", "HEAD~2", "--format", "sarif"])
            .stdout,
    )
    .unwrap();
    let props = &sarif["runs"][0]["properties"]["aiAssisted"];
    assert_eq!(props["findings"], 1);
    assert_eq!(props["commits"][0]["commit"], head.as_str());
}

#[test]
fn a_repository_with_history_adopts_diffward_in_three_commands() {
    let (r, _remote) = {
        let r = repo_with_old_findings();
        let remote = tempfile::tempdir().unwrap();
        std::process::Command::new("git")
            .args(["init", "-q", "--bare", "-b", "main"])
            .arg(remote.path())
            .output()
            .unwrap();
        r.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
        (r, remote)
    };
    // 1. accept what is there, 2. install the hook, 3. push.
    assert_eq!(r.scan(&["baseline", "create", BASELINE]).code, 0);
    assert_eq!(r.scan(&["hook", "install"]).code, 0);
    let push = r.git_output(&["push", "origin", "main"]);
    assert!(
        push.status.success(),
        "the first push is refused: {}{}",
        String::from_utf8_lossy(&push.stdout),
        String::from_utf8_lossy(&push.stderr)
    );
    // The next push of a new secret is still refused.
    r.write("deploy.py", format!("KEY = '{OTHER_FAKE_KEY}'\n"));
    r.commit_all("deploy key");
    let push = r.git_output(&["push", "origin", "main"]);
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&push.stdout),
        String::from_utf8_lossy(&push.stderr)
    );
    assert!(!push.status.success(), "the new secret went through: {out}");
    assert!(
        out.contains("secrets/aws-access-key-id") && out.contains("deploy.py"),
        "{out}"
    );
    assert!(!out.contains(OTHER_FAKE_KEY));
}

/// A repository whose committed baseline accepts the key in `app/settings.py`.
fn repo_with_committed_baseline() -> TempRepo {
    let r = repo_with(&[(
        "app/settings.py",
        &format!("DEBUG = False\nKEY = '{FAKE_AWS_KEY}'\n"),
    )]);
    assert_eq!(r.scan(&["baseline", "create", BASELINE]).code, 0);
    r.commit_all("adopt diffward");
    r
}

#[test]
fn a_scan_of_commits_reads_the_committed_baseline_not_an_uncommitted_edit_of_it() {
    let r = repo_with_committed_baseline();
    r.write("app/other.py", format!("K = '{OTHER_FAKE_KEY}'\n"));
    r.commit_all("another key\n\nCo-Authored-By: Claude <noreply@anthropic.com>");
    // An entry for the new key, written to the file but never committed.
    let full = r.scan(&["scan", "app/other.py", "--format", "json", "--no-baseline"]);
    let fp = full.findings_json()[0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let text = std::fs::read_to_string(r.path().join(BASELINE)).unwrap();
    r.write(
        BASELINE,
        format!("{text}\n[[finding]]\nrule = \"secrets/aws-access-key-id\"\npath = \"app/other.py\"\nfingerprint = \"{fp}\"\n"),
    );
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(
        ids(&run),
        vec!["secrets/aws-access-key-id"],
        "{}",
        run.stdout
    );
}

#[test]
fn one_more_copy_of_a_baselined_secret_in_its_file_is_reported_by_a_scan_of_commits() {
    let r = repo_with_committed_baseline();
    r.write(
        "app/settings.py",
        format!("DEBUG = False\nKEY = '{FAKE_AWS_KEY}'\nLEAK = '{FAKE_AWS_KEY}'\n"),
    );
    r.commit_all("leak");
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(
        ids(&run),
        vec!["secrets/aws-access-key-id"],
        "{}",
        run.stdout
    );
    // No entry is called unused by a scan that sees only a change.
    assert_eq!(run.json()["baseline"]["unused"], serde_json::json!([]));
    // An agent that raises the entry's count in the same commit does not silence it either.
    r.git(&["reset", "-q", "--hard", "HEAD~1"]);
    r.write(
        "app/settings.py",
        format!("DEBUG = False\nKEY = '{FAKE_AWS_KEY}'\nLEAK = '{FAKE_AWS_KEY}'\n"),
    );
    let text = std::fs::read_to_string(r.path().join(BASELINE)).unwrap();
    r.write(
        BASELINE,
        text.replace("fingerprint = ", "count = 2\nfingerprint = ")
            .replacen("count = 2\nfingerprint", "fingerprint", 0),
    );
    let text = std::fs::read_to_string(r.path().join(BASELINE)).unwrap();
    assert!(text.contains("count = 2"), "{text}");
    r.commit_all("leak, accepted\n\nCo-Authored-By: Claude <noreply@anthropic.com>");
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    assert!(
        ids(&run).contains(&"secrets/aws-access-key-id".to_string()),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("not silenced"), "{}", run.stdout);
}

#[test]
fn new_code_an_agent_writes_under_an_old_allow_comment_is_not_silenced() {
    let r = repo_with(&[(
        "app.py",
        "import requests\n# diffward:allow auth/tls-verify-disabled-python local mock server\nr = requests.get(u, verify=False)\n",
    )]);
    r.write(
        "app.py",
        "import requests\n# diffward:allow auth/tls-verify-disabled-python local mock server\nrequests.post('https://payments.example.test', verify=False)\nr = requests.get(u, verify=False)\n",
    );
    r.commit_all("pay\n\nCo-Authored-By: Claude <noreply@anthropic.com>");
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(
        ids(&run),
        vec!["auth/tls-verify-disabled-python"],
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("not silenced"), "{}", run.stdout);
}

#[test]
fn a_change_cannot_relax_the_policy_that_judges_it() {
    let r = allow_added_in_a_commit("Signed-off-by: Dev <dev@example.com>");
    r.git(&["reset", "-q", "--hard", "HEAD~1"]);
    r.write(
        "diffward.toml",
        "[policy]\nai-assisted-fail-on = \"high\"\n",
    );
    r.commit_all("policy");
    r.write(
        "diffward.toml",
        "[policy]\nai-assisted-fail-on = \"high\"\nai-assisted-may-suppress = true\n",
    );
    r.write(
        "app.py",
        "import requests\nr = requests.get(u, verify=False)  # diffward:allow auth local mock server\n",
    );
    r.commit_all("mock\n\nCo-Authored-By: Claude <noreply@anthropic.com>");
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    let got = ids(&run);
    assert!(
        got.contains(&"auth/tls-verify-disabled-python".to_string())
            && got.contains(&"checks/diffward-settings-relaxed".to_string()),
        "{}",
        run.stdout
    );
    assert!(
        run.notifications()
            .iter()
            .any(|(p, m)| p == "diffward.toml" && m.contains("base side")),
        "{}",
        run.stdout
    );
}

#[test]
fn an_entry_written_by_hand_in_another_layout_is_still_reported_when_added() {
    let r = repo_with(&[("app.py", "x = 1\n")]);
    r.write("app.py", format!("x = 1\nK = '{FAKE_AWS_KEY}'\n"));
    let full = r.scan(&["scan", "app.py", "--format", "json"]);
    let fp = full.findings_json()[0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    r.write(
        BASELINE,
        format!("version = 1\n\n[[finding]]\nfingerprint = \"{fp}\"\npath = \"app.py\"\nrule = \"secrets/aws-access-key-id\"\nreason = \"test key\"\n"),
    );
    r.commit_all("key, accepted");
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(
        ids(&run),
        vec!["checks/baseline-entry-added"],
        "{}",
        run.stdout
    );
    let msg = run.findings_json()[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("secrets/aws-access-key-id (critical)"),
        "{msg}"
    );
}

#[test]
fn a_suppressions_reason_never_carries_a_secret_and_never_means_never() {
    let r = repo_with(&[("app.py", "x = 1\n")]);
    r.write(
        "app.py",
        format!(
            "x = 1\nK = '{FAKE_AWS_KEY}'  # diffward:allow secrets rotated, was {FAKE_AWS_KEY}\n"
        ),
    );
    r.commit_all("k\n\nCo-Authored-By: Claude <noreply@anthropic.com>");
    let run = r.scan(&["scan", "app.py", "--format", "json", "--include-suppressed"]);
    assert!(!run.stdout.contains(FAKE_AWS_KEY), "{}", run.stdout);
    assert!(run.stdout.contains("\"justification\""), "{}", run.stdout);
    r.write(
        "diffward.toml",
        "[policy]\nai-assisted-fail-on = \"info\"\n",
    );
    let run = r.scan(&["scan", "--base", "HEAD~1", "--fail-on", "never"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}
