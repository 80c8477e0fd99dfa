//! Regression tests for the defects that make a gate untrustworthy: a secret shown in full,
//! commands of the scanned repository run, a secret pushed through the hook, a renderer that
//! panics, terminal escapes passed through. Each test names the bug it guards against and was
//! written to fail on the code that had it.

#![allow(clippy::disallowed_methods)] // tests start git and diffward themselves

mod common;

use std::path::Path;
use std::process::Command;

use common::{diffward, diffward_stdin, TempRepo, FAKE_AWS_KEY};

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
