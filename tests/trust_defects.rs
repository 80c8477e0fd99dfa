//! Regression tests for the defects that make a gate untrustworthy: a secret shown in full,
//! commands of the scanned repository run, a secret pushed through the hook, a renderer that
//! panics, terminal escapes passed through. Each test names the bug it guards against and was
//! written to fail on the code that had it.

#![allow(clippy::disallowed_methods)] // tests start git and diffward themselves

mod common;

use std::path::Path;
use std::process::Command;

use common::{diffward, diffward_stdin, repo_with, TempRepo, FAKE_AWS_KEY};

/// A script that records that it ran (in `markers/<name>`), then behaves like `cat`.
fn trap_script(dir: &Path, markers: &Path) -> String {
    let script = dir.join("trap.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nname=\"$1\"; shift\ntouch '{}'/\"$name\"\nif [ -n \"$1\" ] && [ -f \"$1\" ]; then cat \"$1\"; else cat; fi\n",
            markers.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    script.display().to_string()
}

fn markers_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Replace HEAD with the same commit carrying a (fake) signature, so `git log` with
/// `log.showSignature` runs `gpg.program` on it.
fn sign_head(r: &TempRepo) {
    let raw = r.git(&["cat-file", "commit", "HEAD"]);
    let (headers, message) = raw.split_once("\n\n").unwrap();
    let signed = format!(
        "{headers}\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEEfakefakefakefakefakefakefakefakeFAKE=\n -----END PGP SIGNATURE-----\n\n{message}"
    );
    let mut child = Command::new("git")
        .current_dir(r.path())
        .args(["hash-object", "-t", "commit", "-w", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(signed.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    r.git(&["update-ref", "refs/heads/main", &id]);
}

/// A repository whose config binds every file to trap drivers: filters (clean, smudge,
/// process), textconv, an external diff, fsmonitor, a pager, signature checks and hooks.
fn trapped_repo(markers: &Path) -> TempRepo {
    let r = TempRepo::new();
    // The script lives outside the work tree, so it is never scanned.
    let trap = trap_script(markers.parent().unwrap(), markers);
    // gpg.program is run as a path, without a shell: give it a script of its own.
    let gpg = markers.parent().unwrap().join("gpg-trap");
    std::fs::write(
        &gpg,
        format!("#!/bin/sh\ntouch '{}/gpg'\nexit 1\n", markers.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&gpg, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    r.write(
        ".gitattributes",
        "*.py filter=trap diff=trap\n*.txt filter=proc\n",
    );
    r.write("app.py", "x = 1\n");
    r.write("notes.txt", "notes\n");
    r.commit_all("base");
    for (k, v) in [
        ("filter.trap.clean", format!("{trap} clean")),
        ("filter.trap.smudge", format!("{trap} smudge")),
        ("filter.trap.required", "true".into()),
        ("filter.proc.process", format!("{trap} process")),
        ("diff.trap.textconv", format!("{trap} textconv")),
        ("diff.external", format!("{trap} external")),
        ("core.fsmonitor", format!("{trap} fsmonitor")),
        ("core.pager", format!("{trap} pager")),
        ("log.showSignature", "true".into()),
        ("gpg.program", gpg.display().to_string()),
    ] {
        r.git(&["config", k, &v]);
    }
    for hook in [
        "post-index-change",
        "reference-transaction",
        "pre-push",
        "post-checkout",
    ] {
        r.write(
            &format!(".git/hooks/{hook}"),
            format!("#!/bin/sh\ntouch '{}/hook-{hook}'\n", markers.display()),
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let p = r.path().join(format!(".git/hooks/{hook}"));
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    r
}

#[test]
fn no_command_the_scanned_repository_configures_ever_runs() {
    let outer = tempfile::tempdir().unwrap();
    let markers = outer.path().join("markers");
    std::fs::create_dir(&markers).unwrap();
    let r = trapped_repo(&markers);
    // Setting up may have run the traps (git add runs the clean filter): start from none.
    for m in markers_in(&markers) {
        std::fs::remove_file(markers.join(m)).unwrap();
    }
    // A committed change with a finding (so provenance runs blame and log on a signed commit)...
    std::fs::write(
        r.path().join("app.py"),
        format!("x = 1\nKEY = '{FAKE_AWS_KEY}'\n"),
    )
    .unwrap();
    let git_quiet = |args: &[&str]| {
        Command::new("git")
            .current_dir(r.path())
            .args([
                "-c",
                "core.hooksPath=/dev/null",
                "-c",
                "filter.trap.clean=cat",
            ])
            .args(["-c", "filter.trap.smudge=cat", "-c", "filter.proc.process="])
            .args([
                "-c",
                "core.fsmonitor=false",
                "-c",
                "filter.trap.required=false",
            ])
            .args(args)
            .env("HOME", r.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap()
    };
    git_quiet(&["add", "-A"]);
    git_quiet(&["commit", "-q", "-m", "key"]);
    sign_head(&r);
    // ...an uncommitted edit, a staged one, and files whose index entries are racily clean (the
    // index is no newer than them), so a diff against the work tree must read their content.
    std::fs::write(r.path().join("notes.txt"), "notes, more\n").unwrap();
    std::fs::write(r.path().join("new.py"), "y = 2\n").unwrap();
    git_quiet(&["add", "new.py"]);
    let index = r.path().join(".git/index");
    let app_time = std::fs::metadata(r.path().join("app.py"))
        .unwrap()
        .modified()
        .unwrap();
    std::fs::File::options()
        .write(true)
        .open(&index)
        .unwrap()
        .set_modified(app_time)
        .unwrap();
    for m in markers_in(&markers) {
        std::fs::remove_file(markers.join(m)).unwrap();
    }

    let head = r.git(&["rev-parse", "HEAD"]).trim().to_string();
    let base = r.git(&["rev-parse", "HEAD~1"]).trim().to_string();
    let patch = String::from_utf8_lossy(
        &git_quiet(&["diff", "--no-ext-diff", "--no-textconv", "HEAD~1", "HEAD"]).stdout,
    )
    .into_owned();
    let scans: Vec<Vec<&str>> = vec![
        vec!["scan", "--format", "json"],
        vec!["scan", "--staged", "--format", "sarif"],
        vec!["scan", "--base", "HEAD~1", "--format", "sarif"],
        vec!["scan", "--base", "HEAD~1", "--format", "human"],
        vec!["scan", "app.py", "notes.txt"],
        vec!["hook", "install", "--force"],
    ];
    for args in &scans {
        let run = diffward(r.path(), args);
        assert!(run.code <= 1, "{args:?}: {}", run.stderr);
        assert_eq!(
            markers_in(&markers),
            Vec::<String>::new(),
            "{args:?} ran them"
        );
    }
    let run = diffward_stdin(r.path(), &["scan", "--patch", "-"], &patch);
    assert!(run.code <= 1, "{}", run.stderr);
    let lines = format!("refs/heads/main {head} refs/heads/main {base}\n");
    let run = diffward_stdin(r.path(), &["scan", "--pre-push", "origin", "u"], &lines);
    assert!(run.code <= 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("secrets/aws-access-key-id"),
        "{}",
        run.stdout
    );
    assert_eq!(
        markers_in(&markers),
        Vec::<String>::new(),
        "--patch or --pre-push ran them"
    );

    // The traps are live: plain git runs them, so the test above can fail.
    let plain = |args: &[&str]| {
        Command::new("git")
            .current_dir(r.path())
            .args(args)
            .env("HOME", r.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap()
    };
    plain(&["log", "-1", "--format=%an"]);
    plain(&["blame", "-L", "2,2", "HEAD", "--", "app.py"]);
    plain(&["diff-index", "HEAD"]);
    let fired = markers_in(&markers);
    for m in ["gpg", "textconv", "clean", "fsmonitor"] {
        assert!(
            fired.iter().any(|f| f == m),
            "trap {m} is not live: {fired:?}"
        );
    }
}

const FORMATS: [&str; 4] = ["human", "json", "sarif", "github"];

/// A random-looking value built at run time (not a real credential).
fn fake_password() -> String {
    format!("Zq8{}x4Lm2Rt7Vw", "Kp9Ws3Hd")
}

#[test]
fn a_secret_repeated_where_no_rule_reports_it_is_masked_in_every_output() {
    let pw = fake_password();
    let r = repo_with(&[("app/db.py", "import os\n")]);
    r.write(
        "app/db.py",
        format!(
            "import os\nDB_PASSWORD = \"{pw}\"\nfallback = \"{pw}\"\nurl = f\"postgres://app:{pw}@db/app\"\nrequests.get(url, verify=False)\n"
        ),
    );
    r.commit_all("db");
    for selection in [vec![], vec!["--only", "auth"]] {
        for format in FORMATS {
            let mut args = vec!["scan", "--base", "HEAD~1", "--format", format];
            args.extend(&selection);
            let run = r.scan(&args);
            assert!(run.code <= 1, "{args:?}: {}", run.stderr);
            assert!(
                run.stdout.contains("verify=False") || format != "human",
                "{format}: the auth finding is shown:\n{}",
                run.stdout
            );
            assert!(
                !run.stdout.contains(&pw) && !run.stderr.contains(&pw),
                "{args:?} shows the password in clear:\n{}",
                run.stdout
            );
        }
    }
}

#[test]
fn a_finding_on_a_minified_line_renders_in_every_format_with_a_clipped_snippet() {
    let r = repo_with(&[]);
    let line = format!(
        "{}var k=\"{FAKE_AWS_KEY}\";{}\n",
        "var a=1;".repeat(9000),
        "var b=2;".repeat(500)
    );
    r.write("dist/bundle.min.js", &line);
    r.commit_all("bundle");
    for format in FORMATS {
        let run = r.scan(&["scan", "--base", "HEAD~1", "--format", format]);
        assert_eq!(
            run.code, 1,
            "{format} failed (101 is a panic): {}",
            run.stderr
        );
        // SARIF declares every rule; what counts there is the result's snippet.
        let shown = if format == "sarif" {
            let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            let region =
                &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
            region["snippet"]["text"].as_str().unwrap().to_string()
        } else {
            run.stdout.clone()
        };
        assert!(
            shown.len() < 20_000,
            "{format}: {} bytes shown for one finding",
            shown.len()
        );
        assert!(run.stdout.contains("AKIA"), "{format}: {}", run.stdout);
        assert!(!run.stdout.contains(FAKE_AWS_KEY));
    }
    let f = &r
        .scan(&["scan", "--base", "HEAD~1", "--format", "json"])
        .findings_json()[0];
    assert_eq!(f["snippet_truncated"], true);
    assert_eq!(f["region"]["start_column"], 72008);
    let human = r.scan(&["scan", "--base", "HEAD~1"]).stdout;
    assert!(human.contains("dist/bundle.min.js:1:72008"), "{human}");
    assert!(human.contains("clipped"), "{human}");
}

#[test]
fn terminal_escape_sequences_in_names_and_content_are_shown_escaped() {
    let r = repo_with(&[]);
    r.write(
        "evil\x1b[2J.py",
        format!("KEY = '{FAKE_AWS_KEY}'  # \x1b]0;owned\x07\x1b[8mhidden\n"),
    );
    r.commit_all("evil");
    for format in ["human", "github"] {
        let run = r.scan(&["scan", "--base", "HEAD~1", "--format", format]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(
            !run.stdout.contains('\x1b'),
            "{format} passes ESC through:\n{}",
            run.stdout
        );
        assert!(!run.stdout.contains('\x07'));
        assert!(run.stdout.contains("\\x1b"), "{format}: {}", run.stdout);
    }
}

#[test]
fn a_selection_that_matches_no_rule_is_a_usage_error() {
    let r = repo_with(&[]);
    let run = r.scan(&["scan", "--only", "credentials", "--skip", "credentials"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("no rule is selected"), "{}", run.stderr);
}

#[test]
fn output_into_a_missing_folder_is_an_error_not_a_new_folder() {
    let r = repo_with(&[("a.py", "x = 1\n")]);
    let run = r.scan(&["scan", "a.py", "--output", "nope/report.json"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    assert!(!r.path().join("nope").exists());
}

#[cfg(unix)]
#[test]
fn a_fifo_named_on_the_command_line_is_a_notification() {
    let r = repo_with(&[]);
    let fifo = r.path().join("pipe");
    let ok = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let run = r.scan(&["scan", "pipe", "README.md", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let notes = run.notifications();
    assert!(
        notes.iter().any(|(p, m)| p == "pipe" && m.contains("FIFO")),
        "{notes:?}"
    );
}

#[test]
fn a_backslash_in_a_file_name_is_kept() {
    let r = repo_with(&[]);
    r.write("back\\slash.py", format!("KEY = '{FAKE_AWS_KEY}'\n"));
    r.commit_all("odd name");
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(run.findings()[0].1, "back\\slash.py");
    let run = r.scan(&["scan", "back\\slash.py", "--format", "json"]);
    assert_eq!(run.findings()[0].1, "back\\slash.py");
}

/// A repository with a bare `origin` that has the base commit, and diffward's pre-push hook.
fn repo_with_hook() -> (TempRepo, tempfile::TempDir) {
    let (r, remote) = common::repo_with_remote();
    let run = r.scan(&["hook", "install"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    (r, remote)
}

#[test]
fn a_secret_committed_then_deleted_does_not_walk_through_the_pre_push_hook() {
    let (r, _remote) = repo_with_hook();
    r.write("app.py", format!("x = 1\nKEY = '{FAKE_AWS_KEY}'\n"));
    r.commit_all("wire the client");
    let leaked = r.git(&["rev-parse", "HEAD"]).trim().to_string();
    r.write("app.py", "x = 1\nKEY = os.environ['KEY']\n");
    r.commit_all("read the key from the environment");
    r.write("docs.md", "notes\n");
    r.commit_all("docs");
    let push = r.git_output(&["push", "origin", "main"]);
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&push.stdout),
        String::from_utf8_lossy(&push.stderr)
    );
    assert!(!push.status.success(), "the key walked through:\n{out}");
    assert!(out.contains("secrets/aws-access-key-id"), "{out}");
    // miette wraps long messages: compare with the line breaks and gutters taken out.
    let flat = out
        .split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains("removed later in the range"), "{out}");
    assert!(
        out.contains(&leaked[..10]),
        "names the commit that added it:\n{out}"
    );
    assert!(!out.contains(FAKE_AWS_KEY));

    // The same in a range scan, in JSON: at the commit that added it, on the history side.
    let run = r.scan(&["scan", "--base", "origin/main", "--format", "json"]);
    let f = run.findings_json();
    assert_eq!(f.len(), 1, "{}", run.stdout);
    assert_eq!(f[0]["side"], "history");
    assert_eq!(f[0]["provenance"]["commit"], leaked.as_str());
    assert_eq!(f[0]["region"]["start_line"], 2);

    // Other categories keep the net diff: TLS turned off and on again inside the range is gone.
    let r2 = repo_with(&[("c.py", "import requests\n")]);
    r2.write("c.py", "import requests\nrequests.get(u, verify=False)\n");
    r2.commit_all("off");
    r2.write("c.py", "import requests\nrequests.get(u)\n");
    r2.commit_all("on");
    let run = r2.scan(&["scan", "--base", "HEAD~2", "--format", "json"]);
    assert_eq!(run.findings(), vec![], "{}", run.stdout);
}

#[test]
fn the_hook_says_diffward_blocked_the_push_and_survives_a_moved_binary() {
    let (r, _remote) = repo_with_hook();
    r.write("k.py", format!("KEY = '{FAKE_AWS_KEY}'\n"));
    r.commit_all("key");
    let push = r.git_output(&["push", "origin", "main"]);
    let err = String::from_utf8_lossy(&push.stderr);
    assert!(!push.status.success());
    assert!(err.contains("diffward blocked this push"), "{err}");
    assert!(err.contains("must leave the history"), "{err}");

    // Installed from a binary that then moves away: the push stops with what to do.
    let bin = tempfile::tempdir().unwrap();
    let copy = bin.path().join("diffward");
    std::fs::copy(common::binary(), &copy).unwrap();
    let o = Command::new(&copy)
        .current_dir(r.path())
        .args(["hook", "install", "--force"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let hook = std::fs::read_to_string(r.path().join(".git/hooks/pre-push")).unwrap();
    let recorded = copy.canonicalize().unwrap();
    assert!(hook.contains(&recorded.display().to_string()), "{hook}");
    std::fs::remove_file(&copy).unwrap();
    let push = Command::new("git")
        .current_dir(r.path())
        .args(["push", "origin", "main"])
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", r.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&push.stderr);
    assert!(
        !push.status.success(),
        "a missing scanner must not open the gate"
    );
    assert!(err.contains("no longer at"), "{err}");
    assert!(err.contains("diffward hook install --force"), "{err}");
}

#[test]
fn test_values_are_low_confidence_shown_as_such_and_do_not_fail_by_default() {
    let r = repo_with(&[]);
    r.write("tests/test_client.py", format!("KEY = '{FAKE_AWS_KEY}'\n"));
    r.write(
        "crates/linter/resources/test/fixtures/S501.py",
        "requests.get(url, verify=False)\n",
    );
    r.write(
        "src/__snapshots__/client.test.ts.snap",
        format!("exports[`k`] = `{FAKE_AWS_KEY}`;\n"),
    );
    r.commit_all("fixtures");
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    let f = run.findings_json();
    // The secrets are reported at low confidence; a linter's test fixture that calls
    // `verify=False` weakens nothing that ships and is left out.
    assert!(f.len() >= 2, "{}", run.stdout);
    assert!(f.iter().all(|f| f["confidence"] == "low"), "{}", run.stdout);
    assert!(
        f.iter().all(|f| f["category"] == "secrets"),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 0, "low-confidence findings do not fail the scan");
    let human = r.scan(&["scan", "--base", "HEAD~1"]);
    assert!(human.stdout.contains("low confidence"), "{}", human.stdout);
    let strict = r.scan(&["scan", "--base", "HEAD~1", "--min-confidence", "low"]);
    assert_eq!(strict.code, 1);
    r.write("diffward.toml", "[scan]\nmin-confidence = \"low\"\n");
    assert_eq!(r.scan(&["scan", "--base", "HEAD~1"]).code, 1);
    // Asked for, the fixture's `verify=False` is there too, at low confidence.
    r.write("diffward.toml", "[scan]\nfindings-in-tests = \"lower\"\n");
    let lowered = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    let auth: Vec<_> = lowered
        .findings_json()
        .into_iter()
        .filter(|f| f["category"] == "auth")
        .collect();
    assert_eq!(auth.len(), 1, "{}", lowered.stdout);
    assert_eq!(auth[0]["confidence"], "low");
}

#[test]
fn template_placeholders_and_names_of_secrets_are_not_secrets() {
    let r = repo_with(&[]);
    r.write(
        ".env",
        "SECRET_KEY=changethis\nFIRST_SUPERUSER_PASSWORD=changethis\nPOSTGRES_PASSWORD=changethis\nALLOYDB_SECRET_NAME=alloydb-secret\n",
    );
    r.write(
        "app/config.py",
        "SECRET_KEY = \"changethis\"\nDB_PASSWORD_SECRET_NAME = \"prod-db-password\"\n",
    );
    r.commit_all("template");
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(run.findings(), vec![], "{}", run.stdout);
}

#[test]
fn a_trailing_allow_comment_covers_its_own_line_only() {
    let r = repo_with(&[]);
    r.write(
        "app/client.py",
        "a = get(u, verify=False)  # diffward:allow auth mock server in the demo\nb = get(u, verify=False)\n# diffward:allow auth the next line talks to a local mock\nc = get(u, verify=False)\n",
    );
    r.commit_all("tls");
    let run = r.scan(&[
        "scan", "--base", "HEAD~1", "--only", "auth", "--format", "json",
    ]);
    let lines: Vec<u64> = run.findings().iter().map(|f| f.2).collect();
    assert_eq!(lines, vec![2], "{}", run.stdout);
}

#[test]
fn removed_test_rules_judge_identity_and_count_not_text() {
    let r = repo_with(&[
        (
            "tests/test_mail.py",
            "def test_send(m):\n    assert (m.sent), \"sent\"\n    assert m.called_once_with(1)\n\ndef test_old_name():\n    assert ok()\n\ndef test_weakened():\n    assert a()\n    assert b()\n",
        ),
        (
            "test/api.test.ts",
            "it('lists items', () => {\n  expect(list()).toEqual([]);\n});\nit('drops items', () => {\n  expect(drop()).toBe(true);\n});\n",
        ),
        (
            "examples/server.ts",
            "app.get('/admin', requireAuth, adminPage);\n",
        ),
    ]);
    // A formatter re-wraps, an assertion is strengthened, a test is renamed, one loses an
    // assertion; a JS test is retitled, another removed; an example file is deleted whole.
    r.write(
        "tests/test_mail.py",
        "def test_send(m):\n    assert m.sent, (\n        \"sent\"\n    )\n    m.assert_called_once_with(1)\n\ndef test_new_name():\n    assert ok()\n\ndef test_weakened():\n    assert a()\n",
    );
    r.write(
        "test/api.test.ts",
        "it('lists items (paginated)', () => {\n  expect(list()).toEqual([]);\n});\n",
    );
    r.remove("examples/server.ts");
    r.commit_all("rework the tests");
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    let got: Vec<(String, String)> = run
        .findings_json()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_eq!(got[0].0, "checks/js-test-removed");
    // JS test ids are their titles, not `it`; retitling one is a rename.
    assert!(got[0].1.contains("'drops items'"), "{}", got[0].1);
    assert_eq!(got[1].0, "checks/python-assertion-removed");
    assert!(
        got[1].1.contains("test_weakened") && got[1].1.contains("went from 2 to 1"),
        "{}",
        got[1].1
    );
}

#[test]
fn every_finding_of_a_long_range_has_provenance_and_removals_name_the_commit_that_removed() {
    let r = repo_with(&[(
        "app/views.py",
        "from django.contrib.auth.decorators import login_required\n\n@login_required\ndef report(request):\n    return 1\n",
    )]);
    // 250 findings in one commit (more than the old cap of 200 lookups).
    let many: String = (0..250)
        .map(|i| format!("r{i} = requests.get(u, verify=False)\n"))
        .collect();
    r.write("app/client.py", &many);
    r.commit_all("client");
    r.write("app/other.py", "x = 1\n");
    r.commit_all("unrelated");
    r.write(
        "app/views.py",
        "from django.contrib.auth.decorators import login_required\n\ndef report(request):\n    return 1\n",
    );
    r.git(&["add", "-A"]);
    r.git(&[
        "-c",
        "user.name=claude[bot]",
        "-c",
        "user.email=209825114+claude[bot]@users.noreply.github.com",
        "commit",
        "-q",
        "-m",
        "open the report",
    ]);
    let remover = r.git(&["rev-parse", "HEAD"]).trim().to_string();
    r.write("app/views.py", "from django.contrib.auth.decorators import login_required\n\ndef report(request):\n    return 2\n");
    r.commit_all("later edit of the same file");
    let run = r.scan(&[
        "scan",
        "--base",
        "HEAD~4",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    let f = run.findings_json();
    assert_eq!(f.len(), 251, "{}", run.stderr);
    assert!(
        f.iter().all(|f| !f["provenance"].is_null()),
        "a finding has no provenance"
    );
    let removal = f
        .iter()
        .find(|f| f["rule_id"] == "auth/login-required-removed")
        .unwrap();
    assert_eq!(removal["provenance"]["commit"], remover.as_str());
    assert_eq!(removal["provenance"]["ai_assisted"], true);
    assert_eq!(removal["provenance"]["assistant"], "Claude");
}

#[test]
fn a_patch_with_quoted_paths_and_invalid_utf8_is_read() {
    let r = repo_with(&[]);
    let name = "na\u{ef}ve\ttab.py";
    r.write(name, format!("KEY = '{FAKE_AWS_KEY}'\n"));
    let mut patch = format!(
        "diff --git \"a/na\\303\\257ve\\ttab.py\" \"b/na\\303\\257ve\\ttab.py\"\nnew file mode 100644\n--- /dev/null\n+++ \"b/na\\303\\257ve\\ttab.py\"\n@@ -0,0 +1 @@\n+KEY = '{FAKE_AWS_KEY}'\n"
    )
    .into_bytes();
    patch.extend_from_slice(b"diff --git a/latin.txt b/latin.txt\n--- /dev/null\n+++ b/latin.txt\n@@ -0,0 +1 @@\n+caf\xe9\n");
    let out = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(out.path(), &patch).unwrap();
    let run = r.scan(&[
        "scan",
        "--patch",
        out.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.findings()[0].1, name);
    assert!(
        run.notifications()
            .iter()
            .any(|(_, m)| m.contains("not valid UTF-8")),
        "{:?}",
        run.notifications()
    );
}

#[test]
fn a_blob_git_does_not_have_is_a_notification_not_an_added_file() {
    let r = repo_with(&[("a.py", "x = 1\n")]);
    r.write("a.py", format!("x = 1\nKEY = '{FAKE_AWS_KEY}'\n"));
    r.commit_all("key");
    // Lose the old side's blob, as a partial clone would not have it.
    let sha = r.git(&["rev-parse", "HEAD~1:a.py"]).trim().to_string();
    std::fs::remove_file(
        r.path()
            .join(format!(".git/objects/{}/{}", &sha[..2], &sha[2..])),
    )
    .unwrap();
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    assert!(run.code <= 1, "{}", run.stderr);
    assert!(
        run.notifications()
            .iter()
            .any(|(p, m)| p == "a.py" && m.contains("partial")),
        "{}",
        run.stdout
    );
}
