//! End-to-end scans of real git repositories built in temporary folders: what a user sees for
//! the changes that matter to the diff semantics.

#![allow(clippy::disallowed_methods)] // tests start git and diffward themselves

mod common;

use common::{diffward, diffward_stdin, repo_with, repo_with_remote, TempRepo, FAKE_AWS_KEY};

const VIEW: &str = "from django.contrib.auth.decorators import login_required\n\n\n@login_required\ndef report(request):\n    return render(request, 'report.html')\n";

fn range_scan(r: &TempRepo) -> common::Run {
    r.scan(&["scan", "--base", "HEAD~1", "--format", "json"])
}

#[test]
fn added_secret_is_reported_on_its_line_and_redacted() {
    let r = repo_with(&[("app/settings.py", "DEBUG = False\n")]);
    r.write(
        "app/settings.py",
        format!("DEBUG = False\nAWS_KEY = '{FAKE_AWS_KEY}'\n"),
    );
    r.commit_all("add key");
    let run = range_scan(&r);
    assert_eq!(
        run.code, 1,
        "a critical finding fails the scan: {}",
        run.stderr
    );
    assert_eq!(
        run.findings(),
        vec![(
            "secrets/aws-access-key-id".into(),
            "app/settings.py".into(),
            2
        )]
    );
    let f = &run.json()["findings"][0];
    assert_eq!(f["region"]["start_column"], 12);
    assert_eq!(f["secret"]["length"], 20);
    for format in ["human", "json", "sarif", "github"] {
        let out = r.scan(&["scan", "--base", "HEAD~1", "--format", format]);
        assert!(out.stdout.contains("AKIA"), "{format}: the prefix is shown");
        assert!(
            !out.stdout.contains(FAKE_AWS_KEY),
            "{format} output leaks the secret:\n{}",
            out.stdout
        );
        assert!(!out.stderr.contains(FAKE_AWS_KEY));
    }
}

#[test]
fn provenance_names_the_commit_and_ai_assistance() {
    let r = repo_with(&[("a.py", "x = 1\n")]);
    r.write("a.py", format!("x = 1\nk = '{FAKE_AWS_KEY}'\n"));
    r.commit_all("wire the client\n\nCo-authored-by: Claude <noreply@anthropic.com>");
    let head = r.git(&["rev-parse", "HEAD"]).trim().to_string();
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let props = &sarif["runs"][0]["results"][0]["properties"];
    assert_eq!(props["commit"], head);
    assert_eq!(props["author"], "Dev");
    assert_eq!(props["aiAssisted"], true);
}

#[test]
fn secret_moved_to_another_file_is_not_new() {
    let r = repo_with(&[("a.py", &format!("import os\nKEY = '{FAKE_AWS_KEY}'\n"))]);
    r.write("a.py", "import os\n");
    r.write(
        "lib/config.py",
        format!("# moved here\nKEY = '{FAKE_AWS_KEY}'\n"),
    );
    r.commit_all("move");
    let run = range_scan(&r);
    assert_eq!(run.findings(), vec![], "{}", run.stdout);
    assert_eq!(run.code, 0);
}

#[test]
fn reindented_code_is_not_new() {
    let r = repo_with(&[("client.py", "r = requests.get(url, verify=False)\n")]);
    r.write(
        "client.py",
        "def fetch(url):\n    r = requests.get(url,  verify=False)\n    return r\n",
    );
    r.commit_all("wrap in a function");
    assert_eq!(range_scan(&r).findings(), vec![]);
}

#[test]
fn a_line_rewritten_in_place_keeps_its_own_counterpart_and_the_new_copy_is_reported() {
    // `b.py` had one `verify=False` call; the change rewrites that line (same call) and adds a
    // second one; `a.py`, earlier in the change, gains one too. The rewritten line is not new:
    // the two new copies are reported, where they are.
    let call = "requests.get(url, verify=False)";
    let r = repo_with(&[
        ("a.py", "import requests\n"),
        ("b.py", &format!("import requests\n\nr = {call}\n")),
    ]);
    r.write("a.py", format!("import requests\n\nx = {call}\n"));
    r.write(
        "b.py",
        format!("import requests\n\nresponse = {call}\n\n\ny = {call}\n"),
    );
    r.commit_all("more calls");
    let got: Vec<(String, u64)> = r
        .change_findings(&["--only", "auth/tls-verify-disabled-python"])
        .into_iter()
        .map(|(_, p, l)| (p, l))
        .collect();
    assert_eq!(got, vec![("a.py".to_string(), 3), ("b.py".to_string(), 6)]);
}

#[test]
fn renamed_file_is_not_new() {
    let body = format!(
        "import os\n\nKEY = '{FAKE_AWS_KEY}'\n\n@login_required\ndef v(request):\n    pass\n"
    );
    let r = repo_with(&[("old name.py", &body)]);
    r.git(&["mv", "old name.py", "new_name.py"]);
    r.write("new_name.py", format!("{body}\n# touched\n"));
    r.commit_all("rename");
    let run = range_scan(&r);
    assert_eq!(run.findings(), vec![], "{}", run.stdout);
}

#[test]
fn removed_protection_is_reported_where_it_was_removed() {
    let r = repo_with(&[("app/views.py", VIEW)]);
    r.write("app/views.py", VIEW.replace("@login_required\n", ""));
    r.commit_all("drop decorator");
    let run = range_scan(&r);
    // The decorator was on line 4; in the new file, `def report` now stands on line 4.
    assert_eq!(
        run.findings(),
        vec![(
            "auth/login-required-removed".into(),
            "app/views.py".into(),
            4
        )]
    );
    assert!(run.json()["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("@login_required"));
}

#[test]
fn deleted_file_reports_its_removed_tests_only() {
    let r = repo_with(&[
        ("app/views.py", VIEW),
        (
            "tests/test_views.py",
            "def test_report():\n    assert report()\n",
        ),
        ("old/keys.py", &format!("KEY = '{FAKE_AWS_KEY}'\n")),
    ]);
    r.remove("app/views.py");
    r.remove("tests/test_views.py");
    r.remove("old/keys.py");
    r.commit_all("delete");
    let run = range_scan(&r);
    // Deleting a secret is not a risk, and a view deleted whole takes its route with it (its
    // decorator protects nothing any more); the tests deleted with their file are reported.
    assert_eq!(
        run.findings(),
        vec![(
            "checks/python-test-removed".into(),
            "tests/test_views.py".into(),
            1
        )]
    );
    assert_eq!(run.json()["findings"][0]["side"], "base");
}

#[test]
fn binary_and_non_utf8_files_are_notifications_and_the_scan_goes_on() {
    let r = repo_with(&[]);
    r.write("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00AKIA");
    r.write("latin1.txt", b"caf\xe9 = 'AKIAZ7TESTFAKEKEY234'\n");
    r.write("ok.py", format!("KEY = '{FAKE_AWS_KEY}'\n"));
    r.commit_all("files");
    let run = range_scan(&r);
    let found = run.findings();
    assert!(found.contains(&("secrets/aws-access-key-id".into(), "ok.py".into(), 1)));
    assert!(found.contains(&("secrets/aws-access-key-id".into(), "latin1.txt".into(), 1)));
    let notes = run.notifications();
    assert!(
        notes
            .iter()
            .any(|(p, m)| p == "logo.png" && m.contains("binary")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|(p, m)| p == "latin1.txt" && m.contains("UTF-8")),
        "{notes:?}"
    );
    let sarif = r.scan(&["scan", "--base", "HEAD~1", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let inv = &v["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], true);
    assert_eq!(
        inv["toolExecutionNotifications"].as_array().unwrap().len(),
        2
    );
}

#[test]
fn oversized_files_are_skipped_with_a_notification() {
    let r = repo_with(&[]);
    r.write(
        "big.txt",
        format!("{}\nKEY = '{FAKE_AWS_KEY}'\n", "x".repeat(5000)),
    );
    r.commit_all("big");
    let run = r.scan(&[
        "scan",
        "--base",
        "HEAD~1",
        "--format",
        "json",
        "--max-file-size",
        "1000",
    ]);
    assert_eq!(run.findings(), vec![]);
    assert!(run.notifications()[0].1.contains("limit"));
}

#[test]
fn names_with_spaces_unicode_and_leading_dashes() {
    let r = repo_with(&[]);
    r.write("my dir/clé secrète.py", format!("KEY = '{FAKE_AWS_KEY}'\n"));
    r.write("-rf.py", format!("KEY = '{FAKE_AWS_KEY}'\n"));
    r.commit_all("odd names");
    let run = range_scan(&r);
    let paths: Vec<String> = run.findings().into_iter().map(|f| f.1).collect();
    assert_eq!(
        paths,
        vec!["-rf.py".to_string(), "my dir/clé secrète.py".to_string()]
    );
    let sarif = r.scan(&["scan", "--base", "HEAD~1", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let uri =
        &v["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "my%20dir/cl%C3%A9%20secr%C3%A8te.py");
}

#[test]
fn staged_mode_scans_the_index_only() {
    let r = repo_with(&[("a.py", "x = 1\n")]);
    r.write("a.py", format!("x = 1\nSTAGED = '{FAKE_AWS_KEY}'\n"));
    r.git(&["add", "a.py"]);
    r.write("b.py", "r = requests.get(u, verify=False)\n"); // untracked: not staged
    let run = r.scan(&["scan", "--staged", "--format", "json"]);
    assert_eq!(
        run.findings(),
        vec![("secrets/aws-access-key-id".into(), "a.py".into(), 2)]
    );
}

#[test]
fn default_mode_scans_uncommitted_and_untracked_changes() {
    let r = repo_with(&[("a.py", "x = 1\n"), (".gitignore", "ignored.py\n")]);
    r.write("a.py", "x = 1\nr = requests.get(u, verify=False)\n");
    r.write("new.py", format!("KEY = '{FAKE_AWS_KEY}'\n"));
    r.write("ignored.py", format!("KEY = '{FAKE_AWS_KEY}'\n"));
    let run = r.scan(&["scan", "--format", "json"]);
    assert_eq!(
        run.findings(),
        vec![
            ("auth/tls-verify-disabled-python".into(), "a.py".into(), 2),
            ("secrets/aws-access-key-id".into(), "new.py".into(), 1),
        ]
    );
}

#[test]
fn first_commit_of_a_new_repository_can_be_staged() {
    let r = TempRepo::new();
    r.write("a.py", format!("KEY = '{FAKE_AWS_KEY}'\n"));
    r.git(&["add", "a.py"]);
    let run = r.scan(&["scan", "--staged", "--format", "json"]);
    assert_eq!(run.findings().len(), 1, "{}", run.stderr);
}

#[test]
fn plain_paths_scan_hidden_files_and_respect_gitignore() {
    let dir = tempfile::tempdir().unwrap();
    let w = |p: &str, c: &str| {
        let p = dir.path().join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, c).unwrap();
    };
    w(".env", &format!("AWS_ACCESS_KEY_ID={FAKE_AWS_KEY}\n"));
    w(
        ".github/workflows/ci.yml",
        "on: push\npermissions: write-all\n",
    );
    w("build/out.py", &format!("KEY = '{FAKE_AWS_KEY}'\n"));
    w(".gitignore", "build/\n");
    let run = diffward(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(
        run.findings(),
        vec![
            ("secrets/aws-access-key-id".into(), ".env".into(), 1),
            ("ci/write-all".into(), ".github/workflows/ci.yml".into(), 2),
        ]
    );
}

#[test]
fn patch_input_reads_the_post_image_from_the_work_tree() {
    let r = repo_with(&[("a.py", "import requests\nr = requests.get(u)\n")]);
    r.write(
        "a.py",
        "import requests\nr = requests.get(u, verify=False)\n",
    );
    let patch = r.git(&["diff"]);
    let run = diffward_stdin(
        r.path(),
        &["scan", "--patch", "-", "--format", "json"],
        &patch,
    );
    assert_eq!(
        run.findings(),
        vec![("auth/tls-verify-disabled-python".into(), "a.py".into(), 2)]
    );
}

#[test]
fn git_errors_say_what_to_do() {
    let r = repo_with(&[]);
    let run = r.scan(&["scan", "--base", "no-such-branch"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown revision `no-such-branch`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("git fetch"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"));

    let outside = tempfile::tempdir().unwrap();
    let run = diffward(outside.path(), &["scan"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not inside a git repository"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("scan PATH"), "{}", run.stderr);
}

#[test]
fn malformed_rule_exits_2_naming_file_line_and_column() {
    let r = repo_with(&[]);
    r.write(
        "rules/bad.yaml",
        "rules:\n  - id: custom/bad\n    title: Bad\n    message: bad\n    category: auth\n    severity: high\n    languages: [python]\n    query: |\n      (call\n        function: (identifer) @f)\n    help: x\n",
    );
    let run = r.scan(&["scan", ".", "--rules", "rules/bad.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("rules/bad.yaml:10:20"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("unknown node kind"), "{}", run.stderr);

    r.write(
        "rules/bad.yaml",
        "rules:\n  - id: custom/bad\n    titel: Bad\n",
    );
    let run = r.scan(&["rules", "validate", "rules/bad.yaml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("rules/bad.yaml:3:5"), "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown field `titel`"),
        "{}",
        run.stderr
    );
}

#[test]
fn fail_on_sets_the_exit_code() {
    let r = repo_with(&[("tests/test_a.py", "def test_a():\n    assert f()\n")]);
    r.write(
        "tests/test_a.py",
        "import pytest\n\n@pytest.mark.skip\ndef test_a():\n    assert f()\n",
    );
    r.commit_all("skip");
    assert_eq!(r.scan(&["scan", "--base", "HEAD~1"]).code, 1);
    assert_eq!(
        r.scan(&["scan", "--base", "HEAD~1", "--fail-on", "high"])
            .code,
        0
    );
    assert_eq!(
        r.scan(&["scan", "--base", "HEAD~1", "--fail-on", "never"])
            .code,
        0
    );
    assert_eq!(
        r.scan(&["scan", "--base", "HEAD~1", "--skip", "checks"])
            .code,
        0
    );
}

#[test]
fn output_is_byte_identical_across_runs() {
    let r = repo_with(&[("a.py", VIEW)]);
    r.write(
        "a.py",
        format!(
            "{}\nK = '{FAKE_AWS_KEY}'\n",
            VIEW.replace("@login_required\n", "")
        ),
    );
    r.write("b.py", "requests.get(u, verify=False)\n");
    r.commit_all("change");
    for format in ["json", "sarif", "github"] {
        let a = r
            .scan(&["scan", "--base", "HEAD~1", "--format", format])
            .stdout;
        let b = r
            .scan(&["scan", "--base", "HEAD~1", "--format", format])
            .stdout;
        assert_eq!(a, b, "{format}");
    }
}

#[test]
fn output_file_and_sarif_output_are_written() {
    let r = repo_with(&[("a.py", "x = 1\n")]);
    r.write("a.py", format!("x = 1\nK = '{FAKE_AWS_KEY}'\n"));
    r.commit_all("k");
    std::fs::create_dir(r.path().join("out")).unwrap();
    let run = r.scan(&[
        "scan",
        "--base",
        "HEAD~1",
        "--format",
        "json",
        "--output",
        "out/report.json",
        "--sarif-output",
        "out/report.sarif",
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    let json = std::fs::read_to_string(r.path().join("out/report.json")).unwrap();
    let sarif = std::fs::read_to_string(r.path().join("out/report.sarif")).unwrap();
    assert!(json.contains("secrets/aws-access-key-id"));
    assert!(sarif.contains("\"version\": \"2.1.0\""));
}

/// A repository with a bare `origin` that already has the base commit.

#[test]
fn pre_push_hook_blocks_a_push_that_adds_a_secret() {
    let (r, _remote) = repo_with_remote();
    let run = r.scan(&["hook", "install"]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    r.write("app.py", "x = 1\nr = requests.get(u, verify=False)\n");
    r.commit_all("tls off");
    r.write("keys.py", format!("KEY = '{FAKE_AWS_KEY}'\n"));
    r.commit_all("key");
    let push = r.git_output(&["push", "origin", "main"]);
    let stderr = String::from_utf8_lossy(&push.stderr);
    let stdout = String::from_utf8_lossy(&push.stdout);
    assert!(!push.status.success(), "the push went through: {stderr}");
    assert!(
        stdout.contains("secrets/aws-access-key-id"),
        "{stdout}{stderr}"
    );
    assert!(
        stdout.contains("auth/tls-verify-disabled-python"),
        "both pushed commits are scanned"
    );
    assert!(!stdout.contains(FAKE_AWS_KEY));

    // A new branch: only the commits the remote lacks are scanned, and clean ones pass.
    r.git(&["checkout", "-q", "-b", "clean", "origin/main"]);
    r.write("docs.md", "notes\n");
    r.commit_all("docs");
    let push = r.git_output(&["push", "origin", "clean"]);
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );
}

#[test]
fn pre_push_reads_gits_ref_lines() {
    let (r, _remote) = repo_with_remote();
    let old = r.git(&["rev-parse", "HEAD"]).trim().to_string();
    r.write("k.py", format!("KEY = '{FAKE_AWS_KEY}'\n"));
    r.commit_all("key");
    let new = r.git(&["rev-parse", "HEAD"]).trim().to_string();
    let zero = "0".repeat(40);
    let args = ["scan", "--pre-push", "origin", "url", "--format", "json"];
    let lines = format!("refs/heads/main {new} refs/heads/main {old}\n");
    let run = diffward_stdin(r.path(), &args, &lines);
    assert_eq!(
        run.findings(),
        vec![("secrets/aws-access-key-id".into(), "k.py".into(), 1)]
    );
    // Deleting a remote branch sends no code.
    let lines = format!("(delete) {zero} refs/heads/old {old}\n");
    assert_eq!(diffward_stdin(r.path(), &args, &lines).findings(), vec![]);
    // A branch the remote has never seen: its commits since the remote's history.
    let lines = format!("refs/heads/topic {new} refs/heads/topic {zero}\n");
    assert_eq!(diffward_stdin(r.path(), &args, &lines).findings().len(), 1);
}

#[test]
fn sarif_names_a_local_remote_with_an_absolute_uri() {
    let (r, remote) = repo_with_remote();
    r.write("k.py", format!("KEY = '{FAKE_AWS_KEY}'\n"));
    r.commit_all("key");
    let run = r.scan(&["scan", "--base", "origin/main", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let vcs = &v["runs"][0]["versionControlProvenance"][0];
    let expected = format!("file://{}", remote.path().display());
    assert_eq!(vcs["repositoryUri"], expected.as_str());
    assert_eq!(vcs["branch"], "main");
    assert_eq!(vcs["mappedTo"]["uriBaseId"], "%SRCROOT%");
}

#[test]
fn hook_install_leaves_other_hooks_alone() {
    let r = repo_with(&[]);
    r.write(".git/hooks/pre-push", "#!/bin/sh\necho mine\n");
    let run = r.scan(&["hook", "install"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    assert_eq!(r.scan(&["hook", "uninstall"]).code, 2);
    assert_eq!(r.scan(&["hook", "install", "--force"]).code, 0);
    let hook = std::fs::read_to_string(r.path().join(".git/hooks/pre-push")).unwrap();
    assert!(hook.contains("scan --pre-push"));
    assert_eq!(r.scan(&["hook", "uninstall"]).code, 0);
    assert!(!r.path().join(".git/hooks/pre-push").exists());
}

#[test]
fn region_is_narrowed_to_the_added_lines_of_a_long_match() {
    let r = repo_with(&[("client.py", "session.request(\n    'GET',\n    url,\n)\n")]);
    r.write(
        "rules/call.yaml",
        "rules:\n  - id: custom/request-call\n    title: Request\n    message: a request call\n    category: auth\n    severity: low\n    languages: [python]\n    query: '(call function: (attribute attribute: (identifier) @m) (#eq? @m \"request\")) @match'\n    help: x\n",
    );
    r.write(
        "client.py",
        "session.request(\n    'GET',\n    url,\n    verify=certs,\n)\n",
    );
    r.git(&["add", "client.py"]);
    r.git(&["commit", "-q", "-m", "verify"]);
    let run = r.scan(&[
        "scan",
        "--base",
        "HEAD~1",
        "--format",
        "json",
        "--rules",
        "rules/call.yaml",
        "--only",
        "custom/request-call",
    ]);
    // The call spans lines 1-5; only line 4 is new, so the finding sits on line 4 alone.
    let f = &run.json()["findings"][0];
    assert_eq!(f["region"]["start_line"], 4, "{}", run.stdout);
    assert_eq!(f["region"]["end_line"], 4);
    assert_eq!(f["region"]["start_column"], 1);
    assert_eq!(f["snippet"], "    verify=certs,");
}

#[test]
fn allow_comments_with_a_reason_silence_a_finding() {
    let r = repo_with(&[("a.py", "x = 1\n")]);
    r.write(
        "a.py",
        format!(
            "x = 1\n# diffward:allow secrets/aws-access-key-id documented example in the API guide\nK1 = '{FAKE_AWS_KEY}'\nK2 = '{FAKE_AWS_KEY}'  # diffward:allow secrets/aws-access-key-id\nr = get(u, verify=False)  # diffward:allow auth local mock server only\n"
        ),
    );
    r.commit_all("allowed");
    let run = range_scan(&r);
    // The allow without a reason does not count, and is itself reported; the two that count
    // are shown to the reviewer as what the change silenced.
    assert_eq!(
        run.findings(),
        vec![
            ("checks/diffward-allow-added".into(), "a.py".into(), 2),
            ("secrets/aws-access-key-id".into(), "a.py".into(), 4),
            (
                "checks/diffward-allow-without-reason".into(),
                "a.py".into(),
                4
            ),
            ("checks/diffward-allow-added".into(), "a.py".into(), 5),
        ]
    );
    assert_eq!(run.json()["summary"]["allowed_by_comment"], 2);
}

#[test]
fn a_missing_path_or_an_empty_patch_is_a_usage_error() {
    let r = repo_with(&[]);
    let run = r.scan(&["scan", "no/such/dir"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no such file or folder: no/such/dir"),
        "{}",
        run.stderr
    );
    let run = diffward_stdin(r.path(), &["scan", "--patch", "-"], "this is not a diff\n");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("the patch holds no file changes"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_user_query_rule_filters_its_secret_and_checks_requires() {
    let r = repo_with(&[("app/conf.py", "x = 1\n")]);
    let rule = "rules:\n  - id: custom/conf-secret\n    title: Conf secret\n    message: \"{{name}} holds {{secret}}\"\n    category: secrets\n    severity: high\n    languages: [python]\n    query: |\n      ((assignment left: (identifier) @name right: (string) @secret)\n        (#match? @name \"^CONF_\"))\n    requires: 'CONF_[A-Z]+ ='\n    entropy: 3.0\n    allow: ['^dev-']\n    help: x\n";
    r.write("rules/conf.yaml", rule);
    r.write(
        "app/conf.py",
        "CONF_A = \"Zq8vR2mLx7TnW4kPq\"\nCONF_B = \"aaaaaaaaaaaa\"\nCONF_C = \"dev-Zq8vR2mLx7TnW4k\"\n",
    );
    let run = r.scan(&[
        "scan",
        "--rules",
        "rules/conf.yaml",
        "--only",
        "custom/conf-secret",
        "--format",
        "json",
    ]);
    let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = out["findings"].as_array().unwrap();
    // Only the random value: the repeated one fails `entropy`, the `dev-` one is allowed; the
    // quotes are not part of the secret, which is redacted.
    assert_eq!(findings.len(), 1, "{}", run.stdout);
    assert_eq!(findings[0]["region"]["start_line"], 1);
    assert!(!run.stdout.contains("Zq8vR2mLx7TnW4kPq"), "{}", run.stdout);
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("(17 chars)"),
        "{}",
        run.stdout
    );

    r.write(
        "rules/conf.yaml",
        rule.replace("'CONF_[A-Z]+ ='", "'CONF_[A-Z+ ='"),
    );
    let run = r.scan(&["rules", "validate", "rules/conf.yaml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("rules/conf.yaml:11:"), "{}", run.stderr);
    assert!(run.stderr.contains("invalid regex"), "{}", run.stderr);
}

/// A long file whose only risky call moves from its top to its bottom, while a second one is
/// added in its middle: the moved one cancels out (both of its places are changed lines, walked
/// on each side), the added one is reported once, on its line. Lines far from every change are
/// not walked at all, so they must not count either way.
#[test]
fn a_risk_moved_within_a_long_file_cancels_and_an_added_one_does_not() {
    let filler = |from: usize, n: usize| -> String {
        (from..from + n)
            .map(|i| format!("def f{i}(x):\n    return x + {i}\n\n"))
            .collect()
    };
    let call = "r = requests.get(url, verify=False)\n";
    let old = format!("{call}{}{}", filler(0, 40), filler(40, 40));
    let r = repo_with(&[("client.py", &old)]);
    let new = format!("{}{call}{}{call}", filler(0, 40), filler(40, 40));
    r.write("client.py", &new);
    r.commit_all("move the call down, add another");
    let run = range_scan(&r);
    let added_at = 40 * 3 + 1;
    let tls: Vec<_> = run
        .findings()
        .into_iter()
        .filter(|(id, _, _)| id.starts_with("auth/"))
        .collect();
    assert_eq!(tls.len(), 1, "{}", run.stdout);
    let (_, path, line) = &tls[0];
    assert_eq!(path, "client.py");
    // Either occurrence of the two the new side holds may be the one reported; the count is
    // what the semantics decide, and the reported line is an added one.
    assert!(
        *line == added_at as u64 || *line == (added_at + 40 * 3 + 1) as u64,
        "{line}"
    );
}

/// `--timings` writes its table to standard error and leaves the report as it is.
#[test]
fn timings_go_to_stderr_and_leave_the_report_alone() {
    let r = repo_with(&[("client.py", "x = 1\n")]);
    r.write("client.py", "x = 1\nr = requests.get(url, verify=False)\n");
    r.commit_all("call");
    let plain = range_scan(&r);
    let timed = r.scan(&["scan", "--base", "HEAD~1", "--format", "json", "--timings"]);
    assert_eq!(plain.findings(), timed.findings());
    assert_eq!(plain.findings().len(), 1, "{}", plain.stdout);
    for stage in [
        "rules",
        "change",
        "parse",
        "match",
        "combined queries built",
    ] {
        assert!(timed.stderr.contains(stage), "{stage}: {}", timed.stderr);
    }
    assert!(!plain.stderr.contains("timings"), "{}", plain.stderr);
}

#[test]
fn a_project_scanned_from_outside_is_read_from_its_own_root() {
    // The path globs of rules (`.github/workflows/*.yml`) and the paths reported are the
    // project's, whether it is a repository or a plain folder, wherever the scan runs from.
    let outside = tempfile::tempdir().unwrap();
    let r = repo_with(&[(
        ".github/workflows/ci.yml",
        "jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest -q || true\n",
    )]);
    let plain = outside.path().join("plain");
    std::fs::create_dir_all(plain.join(".github/workflows")).unwrap();
    std::fs::copy(
        r.path().join(".github/workflows/ci.yml"),
        plain.join(".github/workflows/ci.yml"),
    )
    .unwrap();
    for project in [r.path(), plain.as_path()] {
        let run = diffward(
            outside.path(),
            &[
                "scan",
                project.to_str().unwrap(),
                "--only",
                "checks",
                "--format",
                "json",
                "--fail-on",
                "never",
            ],
        );
        assert_eq!(
            run.findings(),
            vec![(
                "checks/ci-failure-ignored".to_string(),
                ".github/workflows/ci.yml".to_string(),
                5
            )],
            "{}",
            run.stderr
        );
    }
}
