//! diffward's hooks run by the real pre-commit framework: `.pre-commit-hooks.yaml` as pre-commit
//! reads it, the `pre-commit` and `pre-push` stages, and `--pre-commit-push` fed by pre-commit's
//! own environment (a range, or a first push with no refs).
//!
//! pre-commit is found through `PRE_COMMIT_BIN` or on PATH, else installed from PyPI into a
//! virtual environment under `target/` on first use; when that fails too these tests fail and
//! say how to install it, because a skipped test would hide that the hooks were never tried.

#![allow(clippy::disallowed_methods)] // the tests start git and pre-commit themselves

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{TempRepo, FAKE_AWS_KEY};

const TEST_FILE: &str = "def test_total():\n    assert total([1, 2]) == 3\n";

/// pre-commit, from `PRE_COMMIT_BIN` or PATH, else installed once from PyPI into a virtual
/// environment under `target/`, so that `cargo test` alone runs everything.
fn pre_commit_bin() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("PRE_COMMIT_BIN") {
            return PathBuf::from(bin);
        }
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join("pre-commit"))
            .find(|p| p.is_file())
            .unwrap_or_else(install_pre_commit)
    })
    .clone()
}

/// `python3 -m venv target/test-pre-commit` and `pip install pre-commit` in it, once.
fn install_pre_commit() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let venv = target.join("test-pre-commit");
    let bin = venv.join("bin").join("pre-commit");
    if bin.is_file() {
        return bin;
    }
    let how = "install pre-commit (`python3 -m venv .venv && .venv/bin/pip install pre-commit`) and put it on PATH, or set PRE_COMMIT_BIN=/path/to/pre-commit";
    let ok = |o: std::io::Result<Output>| o.map(|o| o.status.success()).unwrap_or(false);
    if !ok(Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(&venv)
        .output())
    {
        panic!("pre-commit is not installed and `python3 -m venv` failed: {how}");
    }
    let pip = venv.join("bin").join("pip");
    if !ok(Command::new(pip)
        .args(["install", "--quiet", "pre-commit>=3.2.0"])
        .output())
    {
        panic!("pre-commit is not installed and `pip install pre-commit` failed: {how}");
    }
    bin
}

/// The hooks of this checkout, as they are on disk (committed or not), in a small hook
/// repository of their own: pre-commit clones a hook repository at a commit, and the `system`
/// hooks need nothing else from it.
fn hook_repo() -> (TempRepo, String) {
    let hooks = TempRepo::new();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    hooks.write(
        ".pre-commit-hooks.yaml",
        std::fs::read(manifest).expect("the checkout's .pre-commit-hooks.yaml"),
    );
    hooks.commit_all("hooks");
    let rev = hooks.git(&["rev-parse", "HEAD"]).trim().to_string();
    (hooks, rev)
}

/// A project using diffward's hooks through pre-commit, with a bare `origin`.
struct Project {
    repo: TempRepo,
    /// The hook repository, when the test made one.
    _hooks: Option<TempRepo>,
    /// Variables set for every command, after the rest.
    env: Vec<(String, std::ffi::OsString)>,
    remote: tempfile::TempDir,
    /// HOME and pre-commit's cache, outside the repository.
    home: tempfile::TempDir,
}

/// One hook of the config: its id and its `args:`.
type Hook<'a> = (&'a str, &'a [&'a str]);

impl Project {
    /// `hooks` go into `.pre-commit-config.yaml`, committed with a test file as the first commit;
    /// both git hooks are installed; nothing is pushed yet.
    fn new(hooks_used: &[Hook]) -> Project {
        let (hooks, rev) = hook_repo();
        let path = hooks.path().to_path_buf();
        Project::using(&path, &rev, hooks_used, Some(hooks), Vec::new())
    }

    /// The same with the hook repository `hooks` at `rev`.
    fn using(
        hooks: &Path,
        rev: &str,
        hooks_used: &[Hook],
        hook_repo: Option<TempRepo>,
        env: Vec<(String, std::ffi::OsString)>,
    ) -> Project {
        let mut config = format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n",
            hooks.display()
        );
        for (id, args) in hooks_used {
            config.push_str(&format!("      - id: {id}\n"));
            if !args.is_empty() {
                config.push_str(&format!("        args: [{}]\n", args.join(", ")));
            }
        }
        let p = Project {
            repo: TempRepo::new(),
            _hooks: hook_repo,
            env,
            remote: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
        };
        p.repo.write(".pre-commit-config.yaml", config);
        p.repo.write("tests/test_total.py", TEST_FILE);
        p.repo.git(&["add", "-A"]);
        p.repo.git(&["commit", "-q", "-m", "base"]);
        let bare = p.remote.path().to_str().unwrap();
        p.repo.git(&["init", "-q", "--bare", "-b", "main", bare]);
        p.repo.git(&["remote", "add", "origin", bare]);
        let install = p.run(Command::new(pre_commit_bin()).args([
            "install",
            "--hook-type",
            "pre-commit",
            "--hook-type",
            "pre-push",
        ]));
        assert!(install.status.success(), "{}", text(&install));
        p
    }

    /// The system hooks with their defaults, plus `--fail-on medium` on the push.
    fn system() -> Project {
        Project::new(&[
            ("diffward-system", &[]),
            ("diffward-pre-push-system", &["--fail-on", "medium"]),
        ])
    }

    /// `cmd` in the repository, as a person would run it: the diffward under test first on
    /// PATH, a HOME of its own, and no variable of an outer git or pre-commit run.
    fn run(&self, cmd: &mut Command) -> Output {
        let bin = common::binary();
        let path =
            std::env::join_paths(std::iter::once(bin.parent().unwrap().to_path_buf()).chain(
                std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
            ))
            .unwrap();
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy().into_owned();
            if name.starts_with("PRE_COMMIT") || name.starts_with("GIT_") {
                cmd.env_remove(name);
            }
        }
        cmd.current_dir(self.repo.path())
            .env("PATH", path)
            .env("HOME", self.home.path())
            .env("PRE_COMMIT_HOME", self.home.path().join("pre-commit"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1")
            .env("PRE_COMMIT_COLOR", "never")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("start the command")
    }

    fn git(&self, args: &[&str]) -> Output {
        self.run(Command::new("git").args(args))
    }

    /// `git commit` of every change in the work tree, through the pre-commit hook.
    fn commit(&self, msg: &str) -> Output {
        self.repo.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", msg])
    }

    /// A commit that skips the hooks (what the push must still catch).
    fn commit_unchecked(&self, msg: &str) {
        let out = self.git(&["commit", "-q", "--no-verify", "-a", "-m", msg]);
        assert!(out.status.success(), "{}", text(&out));
    }

    fn push(&self) -> Output {
        self.git(&["push", "origin", "main"])
    }

    fn head(&self) -> String {
        self.repo.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    /// The remote's main, or `None` before the first push.
    fn remote_main(&self) -> Option<String> {
        let out = self.git(&["ls-remote", "origin", "refs/heads/main"]);
        let s = String::from_utf8_lossy(&out.stdout);
        s.split_whitespace().next().map(str::to_string)
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// pre-commit's line for a hook: its name, dots, and `Passed`/`Failed`.
fn hook_line<'a>(out: &'a str, name: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("pre-commit never ran `{name}`:\n{out}"))
}

#[test]
fn a_commit_with_a_secret_is_refused_without_printing_it() {
    let p = Project::system();
    let before = p.head();
    p.repo
        .write("app.py", format!("AWS_KEY = '{FAKE_AWS_KEY}'\n"));
    let out = p.commit("add a key");
    let all = text(&out);
    assert!(!out.status.success(), "the commit went through:\n{all}");
    assert!(
        hook_line(&all, "diffward (staged change)").ends_with("Failed"),
        "{all}"
    );
    assert!(all.contains("secrets/aws-access-key-id"), "{all}");
    assert!(all.contains("app.py"), "{all}");
    assert!(!all.contains(FAKE_AWS_KEY), "the key is printed:\n{all}");
    assert_eq!(p.head(), before, "no commit was recorded");
}

#[test]
fn a_clean_commit_passes() {
    let p = Project::system();
    p.repo
        .write("app.py", "def total(xs):\n    return sum(xs)\n");
    let out = p.commit("add total");
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(
        hook_line(&all, "diffward (staged change)").ends_with("Passed"),
        "{all}"
    );
}

#[test]
fn a_commit_that_only_deletes_a_test_is_still_checked() {
    // pre-commit hands a commit's deleted files to no hook: only `always_run` makes it check one.
    let p = Project::new(&[("diffward-system", &["--fail-on", "medium"])]);
    p.repo.remove("tests/test_total.py");
    let out = p.commit("drop the test");
    let all = text(&out);
    assert!(!out.status.success(), "the commit went through:\n{all}");
    assert!(
        hook_line(&all, "diffward (staged change)").ends_with("Failed"),
        "{all}"
    );
    assert!(all.contains("checks/python-test-removed"), "{all}");
}

#[test]
fn a_push_that_skips_a_test_is_refused() {
    let p = Project::system();
    assert!(p.push().status.success());
    let pushed = p.remote_main();
    p.repo.write(
        "tests/test_total.py",
        format!("import pytest\n\n\n@pytest.mark.skip\n{TEST_FILE}"),
    );
    // At medium the skip passes the commit hook's default (high) and stops the push (medium).
    let commit = p.commit("skip the flaky test");
    assert!(commit.status.success(), "{}", text(&commit));
    let out = p.push();
    let all = text(&out);
    assert!(!out.status.success(), "the push went through:\n{all}");
    assert!(
        hook_line(&all, "diffward (pushed commits)").ends_with("Failed"),
        "{all}"
    );
    assert!(all.contains("checks/pytest-skip-added"), "{all}");
    assert!(all.contains("diffward blocked this push"), "{all}");
    assert_eq!(p.remote_main(), pushed, "the remote was updated");
}

#[test]
fn a_push_of_a_secret_committed_and_deleted_again_is_refused() {
    let p = Project::system();
    assert!(p.push().status.success());
    // The file comes and goes within the push: pre-commit sees no changed file at all, so only
    // `always_run` gets the hook to run, and only a commit-by-commit scan finds the key.
    p.repo
        .write("keys.py", format!("AWS_KEY = '{FAKE_AWS_KEY}'\n"));
    p.repo.git(&["add", "keys.py"]);
    p.commit_unchecked("add a key");
    p.repo.remove("keys.py");
    p.commit_unchecked("remove the key");
    let out = p.push();
    let all = text(&out);
    assert!(!out.status.success(), "the push went through:\n{all}");
    assert!(
        hook_line(&all, "diffward (pushed commits)").ends_with("Failed"),
        "{all}"
    );
    assert!(all.contains("secrets/aws-access-key-id"), "{all}");
    assert!(all.contains("must leave the history"), "{all}");
    assert!(!all.contains(FAKE_AWS_KEY), "the key is printed:\n{all}");
}

#[test]
fn the_first_push_of_a_new_repository_is_scanned_from_its_root_commit() {
    // The root commit is pushed: pre-commit sets no PRE_COMMIT_FROM_REF/TO_REF.
    let p = Project::system();
    p.repo
        .write("settings.py", format!("AWS_KEY = '{FAKE_AWS_KEY}'\n"));
    p.repo.git(&["add", "settings.py"]);
    p.commit_unchecked("settings");
    let out = p.push();
    let all = text(&out);
    assert!(!out.status.success(), "the push went through:\n{all}");
    assert!(
        hook_line(&all, "diffward (pushed commits)").ends_with("Failed"),
        "{all}"
    );
    assert!(all.contains("secrets/aws-access-key-id"), "{all}");
    assert_eq!(p.remote_main(), None, "the remote was updated");
}

#[test]
fn a_clean_push_passes_and_updates_the_remote() {
    let p = Project::system();
    let first = p.push();
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        hook_line(&text(&first), "diffward (pushed commits)").ends_with("Passed"),
        "{}",
        text(&first)
    );
    p.repo
        .write("app.py", "def total(xs):\n    return sum(xs)\n");
    assert!(p.commit("add total").status.success());
    let out = p.push();
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(
        hook_line(&all, "diffward (pushed commits)").ends_with("Passed"),
        "{all}"
    );
    assert_eq!(p.remote_main(), Some(p.head()));
}

/// A variable of this process, or `default` under HOME.
fn var_or_home(name: &str, default: &str) -> std::ffi::OsString {
    std::env::var_os(name).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").expect("HOME is set");
        Path::new(&home).join(default).into_os_string()
    })
}

/// The `language: rust` hooks, as users get them: pre-commit clones this checkout at its HEAD
/// commit (uncommitted changes are not in it) and builds diffward with `cargo install`, a
/// release build. Its target folder is kept under `target/`, so only the first run compiles
/// everything.
#[test]
#[ignore = "pre-commit's `cargo install` of diffward is a release build (minutes the first time); \
            run with `cargo test --test pre_commit -- --ignored`"]
fn the_rust_hooks_build_with_cargo_install_and_check_commits_and_pushes() {
    let started = std::time::Instant::now();
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rev = Command::new("git")
        .current_dir(checkout)
        .args(["rev-parse", "HEAD"])
        .output()
        .expect("run git");
    assert!(
        rev.status.success(),
        "this checkout must be a git repository"
    );
    let rev = String::from_utf8_lossy(&rev.stdout).trim().to_string();
    let env = vec![
        // HOME is the test's own: cargo and rustup keep theirs.
        ("CARGO_HOME".into(), var_or_home("CARGO_HOME", ".cargo")),
        ("RUSTUP_HOME".into(), var_or_home("RUSTUP_HOME", ".rustup")),
        (
            "CARGO_TARGET_DIR".into(),
            checkout.join("target/pre-commit-rust").into_os_string(),
        ),
    ];
    let p = Project::using(
        checkout,
        &rev,
        &[("diffward", &[]), ("diffward-pre-push", &[])],
        None,
        env,
    );
    let install = p.run(Command::new(pre_commit_bin()).args(["install-hooks"]));
    assert!(install.status.success(), "{}", text(&install));
    eprintln!("pre-commit install-hooks: {:.0?}", started.elapsed());
    let built = std::fs::read_dir(p.home.path().join("pre-commit"))
        .unwrap()
        .filter_map(Result::ok)
        .any(|repo| repo.path().join("rustenv-system/bin/diffward").is_file());
    assert!(built, "pre-commit did not build its own diffward");

    p.repo
        .write("app.py", format!("AWS_KEY = '{FAKE_AWS_KEY}'\n"));
    let out = p.commit("add a key");
    let all = text(&out);
    assert!(!out.status.success(), "the commit went through:\n{all}");
    assert!(
        hook_line(&all, "diffward (staged change)").ends_with("Failed"),
        "{all}"
    );
    assert!(all.contains("secrets/aws-access-key-id"), "{all}");
    assert!(!all.contains(FAKE_AWS_KEY), "the key is printed:\n{all}");

    p.repo
        .write("app.py", "def total(xs):\n    return sum(xs)\n");
    assert!(p.commit("add total").status.success());
    let out = p.push();
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(
        hook_line(&all, "diffward (pushed commits)").ends_with("Passed"),
        "{all}"
    );
    eprintln!("whole test: {:.0?}", started.elapsed());
}

#[test]
fn outside_a_pre_commit_run_the_push_scan_is_a_usage_error() {
    let r = common::repo_with(&[]);
    let mut cmd = Command::new(common::binary());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PRE_COMMIT") {
            cmd.env_remove(name);
        }
    }
    let out = cmd
        .current_dir(r.path())
        .args(["scan", "--pre-commit-push"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run diffward");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("PRE_COMMIT_FROM_REF"), "{stderr}");
    assert!(stderr.contains("diffward scan --pre-push"), "{stderr}");
}
