//! The GitHub Action (`action.yml`), run the way a runner runs it: its `run:` steps in order,
//! with bash, in a real repository, with the files and variables GitHub provides. `uses:` steps
//! are not run (they need GitHub), but must be pinned to commits; the cache restore is played as
//! a hit with the binary under test, so no build runs here.
//!
//! The `${{ }}` expressions the action uses are evaluated from a small table below; one the
//! table does not know fails the test, so the test has to follow every change of the action.

#![allow(clippy::disallowed_methods)] // tests start bash and git themselves

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{binary, repo_with, repo_with_remote, TempRepo, FAKE_AWS_KEY};
use serde_yaml::Value;

const ACTION_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// One step of the composite action.
struct Step {
    id: String,
    name: String,
    condition: Option<String>,
    uses: Option<String>,
    run: Option<String>,
    env: Vec<(String, String)>,
    with: Vec<(String, String)>,
}

fn string_pairs(v: &Value) -> Vec<(String, String)> {
    v.as_mapping()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        other => serde_yaml::to_string(other).unwrap().trim().to_string(),
                    };
                    (k.as_str().expect("string key").to_string(), v)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn action() -> Value {
    let text = std::fs::read_to_string(Path::new(ACTION_DIR).join("action.yml")).unwrap();
    serde_yaml::from_str(&text).expect("action.yml is YAML")
}

fn steps(action: &Value) -> Vec<Step> {
    assert_eq!(action["runs"]["using"], "composite");
    let text = |s: &Value, k: &str| s[k].as_str().map(str::to_string);
    action["runs"]["steps"]
        .as_sequence()
        .expect("runs.steps")
        .iter()
        .map(|s| Step {
            id: text(s, "id").unwrap_or_default(),
            name: text(s, "name").unwrap_or_default(),
            condition: text(s, "if"),
            uses: text(s, "uses"),
            run: text(s, "run"),
            env: string_pairs(&s["env"]),
            with: string_pairs(&s["with"]),
        })
        .collect()
}

/// What the runner provides, and what the steps left behind.
struct Job<'a> {
    repo: &'a TempRepo,
    home: tempfile::TempDir,
    temp: tempfile::TempDir,
    event_name: String,
    inputs: HashMap<String, String>,
    outputs: HashMap<String, HashMap<String, String>>,
    failed: bool,
    log: String,
    /// (step name, exit code) of every `run:` step that ran; `uses:` steps as code `-1`.
    ran: Vec<(String, i32)>,
}

impl<'a> Job<'a> {
    fn new(repo: &'a TempRepo, event_name: &str, event: serde_json::Value) -> Job<'a> {
        let temp = tempfile::tempdir().unwrap();
        std::fs::write(temp.path().join("event.json"), event.to_string()).unwrap();
        std::fs::write(temp.path().join("summary.md"), "").unwrap();
        let inputs = action()["inputs"]
            .as_mapping()
            .expect("inputs")
            .iter()
            .map(|(k, v)| {
                let default = v["default"].as_str().unwrap_or_default().to_string();
                (k.as_str().unwrap().to_string(), default)
            })
            .collect();
        Job {
            repo,
            home: tempfile::tempdir().unwrap(),
            temp,
            event_name: event_name.into(),
            inputs,
            outputs: HashMap::new(),
            failed: false,
            log: String::new(),
            ran: Vec::new(),
        }
    }

    fn input(mut self, name: &str, value: &str) -> Self {
        assert!(
            self.inputs.contains_key(name),
            "action.yml has no input {name}"
        );
        self.inputs.insert(name.into(), value.into());
        self
    }

    /// What earlier steps of the job already wrote to the job summary.
    fn earlier_summary(self, text: &str) -> Self {
        std::fs::write(self.temp.path().join("summary.md"), text).unwrap();
        self
    }

    fn summary(&self) -> String {
        std::fs::read_to_string(self.temp.path().join("summary.md")).unwrap()
    }

    fn output(&self, step: &str, name: &str) -> String {
        self.outputs
            .get(step)
            .and_then(|o| o.get(name))
            .cloned()
            .unwrap_or_default()
    }

    fn step_code(&self, name: &str) -> Option<i32> {
        self.ran.iter().find(|(n, _)| n == name).map(|(_, c)| *c)
    }

    /// The value of one expression, from the table of those the action may use.
    fn value(&self, expr: &str) -> String {
        let expr = expr.trim();
        if let Some(name) = expr.strip_prefix("inputs.") {
            return self
                .inputs
                .get(name)
                .unwrap_or_else(|| panic!("`{expr}`: action.yml declares no such input"))
                .clone();
        }
        if let Some(rest) = expr.strip_prefix("steps.") {
            let (id, name) = rest
                .split_once(".outputs.")
                .unwrap_or_else(|| panic!("the test does not know `{expr}`"));
            return self.output(id, name);
        }
        if let Some(s) = expr.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            return s.to_string();
        }
        match expr {
            "github.action_path" => ACTION_DIR.to_string(),
            "github.action_ref" => String::new(), // a local `uses: ./` has none
            "github.workspace" => self.repo.path().display().to_string(),
            "runner.os" => "Linux".into(),
            "runner.temp" => self.temp.path().display().to_string(),
            _ => panic!("the test does not know the expression `{expr}`: add it to the table"),
        }
    }

    /// A text with every `${{ }}` replaced by its value.
    fn substitute(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find("${{") {
            out.push_str(&rest[..at]);
            let end = rest[at..].find("}}").expect("closed expression") + at;
            out.push_str(&self.value(&rest[at + 3..end]));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// A step's `if:`: terms joined by `&&`, each a status function or `a == b` / `a != b`.
    fn condition(&self, condition: Option<&str>) -> bool {
        let Some(c) = condition else {
            return !self.failed;
        };
        let c = c.trim();
        let c = c
            .strip_prefix("${{")
            .and_then(|c| c.strip_suffix("}}"))
            .unwrap_or(c);
        let mut status_given = false;
        let mut holds = true;
        for term in c.split("&&").map(str::trim) {
            let value = match term {
                "always()" | "!cancelled()" => {
                    status_given = true;
                    true
                }
                "success()" => {
                    status_given = true;
                    !self.failed
                }
                "failure()" => {
                    status_given = true;
                    self.failed
                }
                _ => {
                    if let Some((a, b)) = term.split_once("!=") {
                        self.value(a) != self.value(b)
                    } else if let Some((a, b)) = term.split_once("==") {
                        self.value(a) == self.value(b)
                    } else {
                        panic!("the test cannot evaluate the condition `{term}`")
                    }
                }
            };
            holds &= value;
        }
        holds && (status_given || !self.failed)
    }

    fn env(&self, output: &Path) -> Vec<(String, String)> {
        let t = self.temp.path();
        [
            ("GITHUB_ACTIONS", "true".to_string()),
            ("CI", "true".into()),
            ("GITHUB_EVENT_NAME", self.event_name.clone()),
            (
                "GITHUB_EVENT_PATH",
                t.join("event.json").display().to_string(),
            ),
            (
                "GITHUB_STEP_SUMMARY",
                t.join("summary.md").display().to_string(),
            ),
            ("GITHUB_OUTPUT", output.display().to_string()),
            ("GITHUB_ACTION_PATH", ACTION_DIR.into()),
            ("GITHUB_WORKSPACE", self.repo.path().display().to_string()),
            ("RUNNER_TEMP", t.display().to_string()),
            ("RUNNER_OS", "Linux".into()),
            ("RUNNER_ARCH", "X64".into()),
            ("HOME", self.home.path().display().to_string()),
            ("GIT_CONFIG_NOSYSTEM", "1".into()),
            ("NO_COLOR", "1".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// A `run:` step, as a runner runs `shell: bash`.
    fn run_step(&mut self, step: &Step, script: &str) {
        assert!(
            !script.contains("${{"),
            "step `{}` puts an expression inside run: (script injection); pass it through env:",
            step.name
        );
        let n = self.ran.len();
        let output = self.temp.path().join(format!("output-{n}"));
        std::fs::write(&output, "").unwrap();
        let file = self.temp.path().join(format!("step-{n}.sh"));
        std::fs::write(&file, script).unwrap();
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&file)
            .current_dir(self.repo.path())
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .envs(self.env(&output));
        for (k, v) in &step.env {
            cmd.env(k, self.substitute(v));
        }
        let o = cmd.output().expect("run bash");
        self.log.push_str(&String::from_utf8_lossy(&o.stdout));
        self.log.push_str(&String::from_utf8_lossy(&o.stderr));
        let code = o.status.code().unwrap_or(-1);
        self.ran.push((step.name.clone(), code));
        self.failed |= code != 0;
        let written = std::fs::read_to_string(&output).unwrap();
        let outputs = self.outputs.entry(step.id.clone()).or_default();
        for line in written.lines() {
            if let Some((k, v)) = line.split_once('=') {
                outputs.insert(k.to_string(), v.to_string());
            }
        }
    }

    /// A `uses:` step: only the cache restore is played (as a hit with the binary under test).
    fn uses_step(&mut self, step: &Step, uses: &str) {
        let with: HashMap<String, String> = step
            .with
            .iter()
            .map(|(k, v)| (k.clone(), self.substitute(v)))
            .collect();
        if uses.starts_with("actions/cache/restore@") {
            let bin = PathBuf::from(&with["path"]).join("bin");
            std::fs::create_dir_all(&bin).unwrap();
            std::os::unix::fs::symlink(binary(), bin.join("diffward")).unwrap();
            let outputs = self.outputs.entry(step.id.clone()).or_default();
            outputs.insert("cache-hit".into(), "true".into());
        }
        self.ran.push((step.name.clone(), -1));
    }

    /// Run the action; its outputs, as the calling workflow would read them.
    fn run(mut self) -> (Self, HashMap<String, String>) {
        let action = action();
        for step in steps(&action) {
            if !self.condition(step.condition.as_deref()) {
                continue;
            }
            match (&step.uses, &step.run) {
                (Some(uses), None) => self.uses_step(&step, uses),
                (None, Some(run)) => self.run_step(&step, run),
                _ => panic!("step `{}` needs exactly one of uses: and run:", step.name),
            }
        }
        let outputs = action["outputs"]
            .as_mapping()
            .expect("outputs")
            .iter()
            .map(|(k, v)| {
                let value = self.substitute(v["value"].as_str().expect("output value"));
                (k.as_str().unwrap().to_string(), value)
            })
            .collect();
        (self, outputs)
    }
}

fn pull_request(repo: &TempRepo, base: &str) -> serde_json::Value {
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    serde_json::json!({
        "pull_request": { "base": { "sha": base, "ref": "main" }, "head": { "sha": head } },
        "repository": { "default_branch": "main" },
    })
}

fn head_sha(repo: &TempRepo) -> String {
    repo.git(&["rev-parse", "HEAD"]).trim().to_string()
}

/// A repository whose last commit adds a fake AWS key and `verify=False`, and its base.
fn risky_change() -> (TempRepo, String) {
    let r = repo_with(&[("app/settings.py", "DEBUG = False\n")]);
    let base = head_sha(&r);
    r.write(
        "app/settings.py",
        format!("DEBUG = False\nAWS_ACCESS_KEY_ID = '{FAKE_AWS_KEY}'\n"),
    );
    r.write(
        "app/client.py",
        "import requests\n\n\ndef fetch(url):\n    return requests.get(url, verify=False)\n",
    );
    r.commit_all("call the partner API");
    (r, base)
}

fn assert_no_secret(job: &Job<'_>, outputs: &HashMap<String, String>) {
    let sarif = std::fs::read_to_string(job.repo.path().join("diffward.sarif")).unwrap_or_default();
    for (what, text) in [
        ("log", job.log.clone()),
        ("summary", job.summary()),
        ("sarif", sarif),
        ("outputs", format!("{outputs:?}")),
    ] {
        assert!(
            !text.contains(FAKE_AWS_KEY),
            "the {what} shows the key:\n{text}"
        );
    }
}

#[test]
fn every_action_it_uses_is_pinned_to_a_commit() {
    let steps = steps(&action());
    let uses: Vec<&str> = steps.iter().filter_map(|s| s.uses.as_deref()).collect();
    assert!(uses.iter().any(|u| u.starts_with("actions/cache/restore@")));
    assert!(uses
        .iter()
        .any(|u| u.starts_with("github/codeql-action/upload-sarif@")));
    for u in uses {
        let (_, sha) = u.split_once('@').expect("a ref");
        assert!(
            sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
            "`{u}` is not pinned to a full commit SHA"
        );
    }
    for s in &steps {
        if s.run.is_some() {
            assert!(
                !s.run.as_deref().unwrap_or_default().contains("${{"),
                "{}",
                s.name
            );
        }
    }
}

#[test]
fn a_risky_pull_request_fails_with_annotations_a_summary_and_sarif() {
    let (r, base) = risky_change();
    let (job, outputs) = Job::new(&r, "pull_request", pull_request(&r, &base)).run();

    assert!(job.failed, "the job fails:\n{}", job.log);
    assert_eq!(
        job.step_code("Build diffward"),
        None,
        "the cache hit skips the build"
    );
    assert_eq!(job.step_code("Scan the change"), Some(0), "{}", job.log);
    assert_eq!(
        job.step_code("Upload SARIF to code scanning"),
        Some(-1),
        "the SARIF is uploaded before the job fails"
    );
    assert_eq!(job.step_code("Fail on findings"), Some(1), "{}", job.log);
    assert_eq!(outputs["exit-code"], "1");
    assert_eq!(outputs["sarif-file"], "diffward.sarif");

    assert!(
        job.log.contains("::error file=app/settings.py,line=2,"),
        "{}",
        job.log
    );
    assert!(
        job.log.contains("::error file=app/client.py,line=5,"),
        "{}",
        job.log
    );
    assert!(
        job.log.contains("findings at or above 'high'"),
        "{}",
        job.log
    );

    let summary = job.summary();
    assert!(summary.starts_with("## diffward: "), "{summary}");
    assert!(
        summary.contains("| Severity | Rule | Category | Count |"),
        "{summary}"
    );
    assert!(
        summary.contains("| critical | secrets/aws-access-key-id | secrets | 1 |"),
        "{summary}"
    );
    assert!(
        summary.contains("| high | auth/tls-verify-disabled-python | auth | 1 |"),
        "{summary}"
    );

    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(r.path().join("diffward.sarif")).expect("SARIF written"),
    )
    .expect("the SARIF is JSON");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(outputs["findings"], results.len().to_string());
    assert!(results
        .iter()
        .any(|x| x["ruleId"] == "secrets/aws-access-key-id"));
    assert_no_secret(&job, &outputs);
}

#[test]
fn a_clean_pull_request_passes_with_a_no_findings_summary() {
    let r = repo_with(&[("app.py", "x = 1\n")]);
    let base = head_sha(&r);
    r.write("app.py", "x = 2\n");
    r.commit_all("bump x");
    let (job, outputs) = Job::new(&r, "pull_request", pull_request(&r, &base))
        .earlier_summary("## Tests\n\nall passed\n\n")
        .run();
    assert!(!job.failed, "{}", job.log);
    assert_eq!(job.step_code("Fail on findings"), None);
    assert_eq!(outputs["exit-code"], "0");
    assert_eq!(outputs["findings"], "0");
    assert!(
        job.summary()
            .starts_with("## Tests\n\nall passed\n\n## diffward: no findings\n"),
        "the summary is appended to what earlier steps wrote: {}",
        job.summary()
    );
    assert!(job.summary().contains("No risk found"), "{}", job.summary());
    assert!(!job.log.contains("::error"), "{}", job.log);
}

#[test]
fn a_push_scans_every_commit_from_before_to_after() {
    let r = repo_with(&[("app/settings.py", "DEBUG = False\n")]);
    let before = head_sha(&r);
    r.write(
        "app/settings.py",
        format!("DEBUG = False\nAWS_ACCESS_KEY_ID = '{FAKE_AWS_KEY}'\n"),
    );
    r.commit_all("add the key");
    r.write("app/notes.md", "later\n");
    r.commit_all("a later commit");
    let event = serde_json::json!({
        "before": before, "after": head_sha(&r),
        "repository": { "default_branch": "main" },
    });
    let (job, outputs) = Job::new(&r, "push", event).run();
    assert!(
        job.log
            .contains(&format!("scanning the change from {before} to HEAD")),
        "{}",
        job.log
    );
    assert!(
        job.log.contains("::error file=app/settings.py,line=2,"),
        "the key two commits back is in the range: {}",
        job.log
    );
    assert_eq!(outputs["exit-code"], "1");
    assert!(job.failed);
    assert_no_secret(&job, &outputs);
}

#[test]
fn a_new_branch_is_scanned_from_the_default_branch() {
    let (r, _remote) = repo_with_remote();
    r.git(&["fetch", "-q", "origin"]);
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write(
        "app.py",
        "import requests\nrequests.get('https://x.test', verify=False)\n",
    );
    r.commit_all("skip TLS checks");
    let event = serde_json::json!({
        "before": "0000000000000000000000000000000000000000", "after": head_sha(&r),
        "repository": { "default_branch": "main" },
    });
    let (job, outputs) = Job::new(&r, "push", event).run();
    assert!(
        job.log
            .contains("scanning the change from origin/main to HEAD"),
        "{}",
        job.log
    );
    assert!(
        job.log.contains("::error file=app.py,line=2,"),
        "{}",
        job.log
    );
    assert_eq!(outputs["exit-code"], "1");
}

#[test]
fn a_shallow_clone_without_the_base_fails_with_what_to_do() {
    let (full, base) = risky_change();
    let clone = TempRepo {
        dir: tempfile::tempdir().unwrap(),
    };
    let url = format!("file://{}", full.path().display());
    full.git(&[
        "clone",
        "-q",
        "--depth",
        "1",
        &url,
        clone.path().to_str().unwrap(),
    ]);
    let (job, outputs) = Job::new(&clone, "pull_request", pull_request(&clone, &base)).run();
    assert!(job.failed);
    assert_eq!(job.step_code("Scan the change"), Some(2), "{}", job.log);
    assert!(job.log.contains("fetch-depth: 0"), "{}", job.log);
    assert!(
        job.log.contains(&base),
        "the message names the commit: {}",
        job.log
    );
    assert_eq!(outputs["exit-code"], "2");
    assert_eq!(job.step_code("Upload SARIF to code scanning"), None);
    assert_eq!(job.step_code("Fail on findings"), None);
}

#[test]
fn an_ai_assisted_commit_is_named_in_the_summary() {
    let r = repo_with(&[("a.py", "x = 1\n")]);
    let base = head_sha(&r);
    r.write("a.py", format!("x = 1\nk = '{FAKE_AWS_KEY}'\n"));
    r.commit_all("wire the client\n\nCo-Authored-By: Claude <noreply@anthropic.com>");
    let short = &head_sha(&r)[..10];
    let (job, outputs) = Job::new(&r, "pull_request", pull_request(&r, &base))
        .input("fail-on", "never")
        .run();
    assert!(!job.failed, "fail-on never passes: {}", job.log);
    assert_eq!(outputs["exit-code"], "0");
    let summary = job.summary();
    assert!(summary.contains("### AI-assisted commits"), "{summary}");
    assert!(
        summary.contains(&format!("| {short} | Claude Code | 1 |")),
        "{summary}"
    );
    assert_no_secret(&job, &outputs);
}

#[test]
fn a_scan_that_cannot_run_fails_its_step_at_once() {
    let (r, base) = risky_change();
    let (job, outputs) = Job::new(&r, "pull_request", pull_request(&r, &base))
        .input("args", "--only no-such-pack")
        .run();
    assert!(job.failed);
    assert_eq!(job.step_code("Scan the change"), Some(2), "{}", job.log);
    assert!(
        job.log.contains("the scan could not run (exit code 2)"),
        "{}",
        job.log
    );
    assert_eq!(outputs["exit-code"], "2");
    assert_eq!(job.step_code("Fail on findings"), None, "{}", job.log);
}
