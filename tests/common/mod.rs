//! Helpers for the integration tests: throwaway git repositories and the real binary.
//!
//! `DIFFWARD_TEST_BIN=/path/to/diffward cargo test` runs the same tests against another build
//! (an older one, to see that a regression test fails on the code that had the bug).

#![allow(dead_code)]
#![allow(clippy::disallowed_methods)] // tests start git and diffward themselves

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A fake AWS access key id, built for the tests (not a real credential).
pub const FAKE_AWS_KEY: &str = "AKIAZ7TESTFAKEKEY234";

pub struct TempRepo {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// The `findings` of a JSON report, whole.
    pub fn findings_json(&self) -> Vec<serde_json::Value> {
        self.json()["findings"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// (rule id, path, start line) of every finding in a JSON report.
    pub fn findings(&self) -> Vec<(String, String, u64)> {
        self.json()["findings"]
            .as_array()
            .expect("findings array")
            .iter()
            .map(|f| {
                (
                    f["rule_id"].as_str().unwrap().to_string(),
                    f["path"].as_str().unwrap().to_string(),
                    f["region"]["start_line"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    /// (rule id, path, start line, message) of every finding in a JSON report.
    pub fn findings_with_messages(&self) -> Vec<(String, String, u64, String)> {
        self.findings_json()
            .iter()
            .map(|f| {
                (
                    f["rule_id"].as_str().unwrap().to_string(),
                    f["path"].as_str().unwrap().to_string(),
                    f["region"]["start_line"].as_u64().unwrap(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    pub fn notifications(&self) -> Vec<(String, String)> {
        self.json()["notifications"]
            .as_array()
            .expect("notifications array")
            .iter()
            .map(|n| {
                (
                    n["path"].as_str().unwrap().to_string(),
                    n["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }
}

fn output(o: Output) -> Run {
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Run the diffward binary in `dir`.
pub fn binary() -> PathBuf {
    std::env::var_os("DIFFWARD_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_diffward")))
}

pub fn diffward(dir: &Path, args: &[&str]) -> Run {
    let o = Command::new(binary())
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .stdin(Stdio::null())
        .output()
        .expect("run diffward");
    output(o)
}

/// Run the diffward binary with `input` on standard input.
pub fn diffward_stdin(dir: &Path, args: &[&str], input: &str) -> Run {
    use std::io::Write;
    let mut child = Command::new(binary())
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run diffward");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    output(child.wait_with_output().unwrap())
}

impl TempRepo {
    pub fn new() -> TempRepo {
        let r = TempRepo {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        r.git(&["init", "-q", "-b", "main"]);
        r.git(&["config", "user.email", "dev@example.com"]);
        r.git(&["config", "user.name", "Dev"]);
        r.git(&["config", "commit.gpgsign", "false"]);
        r
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn git(&self, args: &[&str]) -> String {
        let o = self.git_output(args);
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Run git with diffward's folder first on PATH (so hooks find it); any exit status.
    pub fn git_output(&self, args: &[&str]) -> Output {
        let bin = binary();
        let bin_dir = bin.parent().unwrap().to_path_buf();
        let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )))
        .unwrap();
        Command::new("git")
            .current_dir(self.path())
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            // Fixed dates make commit ids, and so the snapshots, reproducible.
            .env("GIT_AUTHOR_DATE", "2026-01-02T03:04:05Z")
            .env("GIT_COMMITTER_DATE", "2026-01-02T03:04:05Z")
            .env("HOME", self.path())
            .env("PATH", path)
            .env("NO_COLOR", "1")
            .output()
            .expect("run git")
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path().join(rel)).unwrap();
    }

    pub fn commit_all(&self, msg: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", msg]);
    }

    pub fn scan(&self, args: &[&str]) -> Run {
        diffward(self.path(), args)
    }

    /// `change_findings` with each finding's message.
    pub fn change_findings_with_messages(
        &self,
        extra: &[&str],
    ) -> Vec<(String, String, u64, String)> {
        self.change_run(extra).findings_with_messages()
    }

    /// (rule, path, line) of every finding of the change `HEAD~1..HEAD`, at every confidence,
    /// with `extra` scan options; the scan must succeed and find every file readable.
    pub fn change_findings(&self, extra: &[&str]) -> Vec<(String, String, u64)> {
        self.change_run(extra).findings()
    }

    fn change_run(&self, extra: &[&str]) -> Run {
        let mut args = vec![
            "scan",
            "--base",
            "HEAD~1",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--min-confidence",
            "low",
        ];
        args.extend(extra);
        let run = self.scan(&args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.notifications().is_empty(), "{:?}", run.notifications());
        run
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == ".keep" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A repository with two commits: `fixtures/<name>/base`, then exactly `fixtures/<name>/head`
/// (`name` may hold a `/`: `false-alarms/fp01-…`). A `.keep` file only keeps an empty side in
/// the checkout and is left out.
pub fn fixture_change_repo(name: &str) -> TempRepo {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    let r = TempRepo::new();
    copy_tree(&fixtures.join("base"), r.path());
    r.commit_all("base");
    for entry in std::fs::read_dir(r.path()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != ".git" {
            let p = entry.path();
            if p.is_dir() {
                std::fs::remove_dir_all(p).unwrap();
            } else {
                std::fs::remove_file(p).unwrap();
            }
        }
    }
    copy_tree(&fixtures.join("head"), r.path());
    r.commit_all("Let the agent fix the failing build");
    r
}

/// A repository with a README and `files`, committed as "base".
pub fn repo_with(files: &[(&str, &str)]) -> TempRepo {
    let r = TempRepo::new();
    r.write("README.md", "demo\n");
    for (p, c) in files {
        r.write(p, c);
    }
    r.commit_all("base");
    r
}

/// `repo_with` plus a bare `origin` that already has the base commit.
pub fn repo_with_remote() -> (TempRepo, tempfile::TempDir) {
    let remote = tempfile::tempdir().unwrap();
    let r = repo_with(&[("app.py", "x = 1\n")]);
    Command::new("git")
        .args(["init", "-q", "--bare", "-b", "main"])
        .arg(remote.path())
        .output()
        .unwrap();
    r.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
    r.git(&["push", "-q", "origin", "main"]);
    (r, remote)
}
