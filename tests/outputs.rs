//! What users see for a realistic change (fixtures/demo-change): snapshots of the human, JSON
//! and SARIF reports, and the SARIF checked against the SARIF 2.1.0 JSON Schema.

#![allow(clippy::disallowed_methods)] // tests start git and diffward themselves

mod common;

use std::path::Path;

use common::{TempRepo, FAKE_AWS_KEY};

/// A repository whose last commit turns `fixtures/demo-change/base` into `head`.
fn demo_repo() -> TempRepo {
    let r = common::fixture_change_repo("demo-change");
    r.git(&[
        "remote",
        "add",
        "origin",
        "git@example.com:acme/billing.git",
    ]);
    r
}

/// Replace what changes from run to run: the temporary root, commit ids, timings.
fn scrub(text: &str, root: &Path) -> String {
    let root = std::fs::canonicalize(root).unwrap();
    let mut s = text.replace(&format!("{}/", root.display()), "[ROOT]/");
    s = regex::Regex::new(r"\b[0-9a-f]{40}\b")
        .unwrap()
        .replace_all(&s, "[COMMIT]")
        .into_owned();
    s = regex::Regex::new(r"· \d+ ms")
        .unwrap()
        .replace_all(&s, "· [TIME]")
        .into_owned();
    s = s.replace(env!("CARGO_PKG_VERSION"), "[VERSION]");
    s
}

fn scan(r: &TempRepo, format: &str) -> String {
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", format]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        !run.stdout.contains(FAKE_AWS_KEY),
        "{format} leaks the secret"
    );
    scrub(&run.stdout, r.path())
}

#[test]
fn human_report() {
    let r = demo_repo();
    insta::assert_snapshot!("human", scan(&r, "human"));
}

#[test]
fn json_report() {
    let r = demo_repo();
    insta::assert_snapshot!("json", scan(&r, "json"));
}

#[test]
fn sarif_report() {
    let r = demo_repo();
    let mut sarif: serde_json::Value = serde_json::from_str(&scan(&r, "sarif")).unwrap();
    // Every result's ruleIndex must point at its rule in the driver's list.
    let run = &mut sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap().clone();
    let results = run["results"].as_array_mut().unwrap();
    assert!(!results.is_empty());
    let mut used = Vec::new();
    for res in results.iter_mut() {
        let index = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[index]["id"], res["ruleId"],
            "ruleIndex points at the rule"
        );
        if !used.contains(&index) {
            used.push(index);
        }
        res["ruleIndex"] = serde_json::json!(used.iter().position(|&u| u == index).unwrap());
    }
    // The snapshot keeps only the rules the results use: the full list grows with every rule
    // added to the packs, which would churn this snapshot for no change in the format.
    run["tool"]["driver"]["rules"] =
        serde_json::Value::Array(used.iter().map(|&i| rules[i].clone()).collect());
    insta::assert_snapshot!("sarif", serde_json::to_string_pretty(&sarif).unwrap());
}

#[test]
fn github_annotations() {
    let r = demo_repo();
    insta::assert_snapshot!("github", scan(&r, "github"));
}

#[test]
fn sarif_is_valid_against_the_sarif_2_1_0_schema() {
    let r = demo_repo();
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let schema_text = include_str!("sarif-schema-2.1.0.json");
    let schema: serde_json::Value = serde_json::from_str(schema_text).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema errors:\n{}",
        errors.join("\n")
    );

    // GitHub's own requirements beyond the schema.
    let run0 = &sarif["runs"][0];
    assert_eq!(run0["automationDetails"]["id"], "diffward/");
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    for rule in rules {
        let sev: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.1..=10.0).contains(&sev));
        assert!(rule["fullDescription"]["text"].as_str().unwrap().len() <= 1024);
        assert!(!rule["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .is_empty());
    }
    for result in run0["results"].as_array().unwrap() {
        assert!(!result["locations"].as_array().unwrap().is_empty());
        assert!(result["partialFingerprints"]["primaryLocationLineHash"].is_string());
        assert!(result["properties"]["category"].is_string());
        assert!(result["properties"]["severity"].is_string());
    }
}

#[test]
fn every_rule_is_declared_even_without_results() {
    let r = demo_repo();
    let run = r.scan(&[
        "scan", "--base", "HEAD~1", "--format", "sarif", "--only", "ci",
    ]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let ids: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.iter().all(|i| i.starts_with("ci/")), "{ids:?}");
    assert!(ids.contains(&"ci/write-all") && ids.len() > 20, "{ids:?}");
    let all = r.scan(&["rules", "list"]).stdout;
    let full = r
        .scan(&["scan", "--base", "HEAD~1", "--format", "sarif"])
        .stdout;
    let declared = serde_json::from_str::<serde_json::Value>(&full).unwrap()["runs"][0]["tool"]
        ["driver"]["rules"]
        .as_array()
        .unwrap()
        .len();
    let listed: usize = all
        .lines()
        .last()
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(declared, listed, "every enabled rule is declared");
}

/// The fenced block of README.md that follows `marker`.
fn readme_block(marker: &str, fence: &str) -> String {
    let readme = include_str!("../README.md");
    let at = readme.find(marker).expect("marker in README");
    let open = readme[at..].find(fence).expect("fence") + at + fence.len();
    let close = readme[open..].find("\n```").expect("closing fence") + open;
    readme[open..close].trim_start_matches('\n').to_string()
}

#[test]
fn readme_sample_output_is_what_the_demo_change_prints() {
    let r = demo_repo();
    let out = scan(&r, "human");
    let sample = readme_block("A finding looks like this", "```text");
    let time = regex::Regex::new(r"· \d+ ms").unwrap();
    for line in sample.lines() {
        let line = time.replace(line, "· [TIME]");
        assert!(
            out.contains(line.as_ref()),
            "README line not in the output: {line:?}"
        );
    }
}

#[test]
fn readme_rule_example_validates_and_passes_its_examples() {
    let dir = tempfile::tempdir().unwrap();
    let rule = readme_block("## Writing a rule", "```yaml");
    let rule = rule.replace(
        "auth/tls-verify-disabled-python",
        "custom/tls-verify-disabled",
    );
    std::fs::write(dir.path().join("rule.yaml"), rule).unwrap();
    let run = common::diffward(dir.path(), &["rules", "validate", "rule.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = common::diffward(dir.path(), &["rules", "test", "rule.yaml"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("4 passed, 0 failed"), "{}", run.stdout);
}

#[test]
fn a_reader_that_goes_away_is_not_a_crash() {
    use std::process::{Command, Stdio};
    // `diffward rules list | head -0`: the reader closes the pipe before reading.
    let mut child = Command::new(env!("CARGO_BIN_EXE_diffward"))
        .args(["rules", "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Closed before diffward (which first compiles every rule) writes anything.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}
