//! The ci pack on git changes to a workflow, as a reviewer meets them: what a change did to a
//! job's token, triggers, scripts and pins, reported at the line that did it, and nothing for a
//! change that narrows, re-indents, re-orders or renames.

mod common;

use common::TempRepo;

/// A repository whose first commit has `.github/workflows/ci.yml` = `before`, and whose second
/// has `after` (at `to`, for a rename).
fn change(before: &str, to: &str, after: &str) -> TempRepo {
    let r = TempRepo::new();
    r.write(".github/workflows/ci.yml", before);
    r.commit_all("before");
    if to != ".github/workflows/ci.yml" {
        r.remove(".github/workflows/ci.yml");
    }
    r.write(to, after);
    r.commit_all("after");
    r
}

/// (rule, path, line) of the change's ci findings, at every confidence.
fn ci_findings(r: &TempRepo) -> Vec<(String, String, u64)> {
    r.change_findings(&["--only", "ci"])
}

/// The message of the change's first ci finding.
fn first_message(r: &TempRepo) -> String {
    let run = r.scan(&[
        "scan", "--base", "HEAD~1", "--only", "ci", "--format", "json",
    ]);
    run.findings_json()[0]["message"]
        .as_str()
        .unwrap()
        .to_string()
}

fn at(rule: &str, line: u64) -> (String, String, u64) {
    (
        format!("ci/{rule}"),
        ".github/workflows/ci.yml".to_string(),
        line,
    )
}

const TWO_JOBS: &str = "\
name: ci
on: push
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: make test
  release:
    permissions:
      contents: read
    runs-on: ubuntu-latest
    steps:
      - run: make release
";

#[test]
fn a_permission_widened_in_one_job_is_reported_at_its_scope_for_that_job_only() {
    let after = TWO_JOBS.replace(
        "    permissions:\n      contents: read\n",
        "    permissions:\n      contents: write\n      packages: write\n",
    );
    let r = change(TWO_JOBS, ".github/workflows/ci.yml", &after);
    assert_eq!(ci_findings(&r), vec![at("permissions-widened", 12)]);
    let msg = first_message(&r);
    assert!(msg.contains("job `release`"), "{msg}");
    assert!(msg.contains("contents: read → write"), "{msg}");
    assert!(msg.contains("packages: none → write"), "{msg}");
    let run = r.scan(&["scan", "--base", "HEAD~1", "--only", "ci"]);
    assert_eq!(run.code, 1, "a widened token fails the scan");
}

#[test]
fn a_removed_permissions_block_is_reported_where_it_was() {
    // the workflow's block goes: `test` falls back to the repository default
    let after = TWO_JOBS.replace("permissions:\n  contents: read\njobs:", "jobs:");
    let r = change(TWO_JOBS, ".github/workflows/ci.yml", &after);
    // (line 3 of the new file is where the block was: `jobs:` took its place)
    assert_eq!(ci_findings(&r), vec![at("permissions-removed", 3)]);
    let msg = first_message(&r);
    assert!(msg.contains("job `test`"), "{msg}");
    assert!(msg.contains("default token"), "{msg}");
}

#[test]
fn narrowing_reindenting_reordering_and_renaming_report_nothing() {
    let wide = TWO_JOBS.replace("contents: read\njobs:", "contents: write\njobs:");
    // narrowed
    assert_eq!(
        ci_findings(&change(&wide, ".github/workflows/ci.yml", TWO_JOBS)),
        vec![]
    );
    // re-indented and re-ordered: jobs swapped, keys reordered, four-space indentation
    let shuffled = "\
jobs:
    release:
        runs-on: ubuntu-latest
        permissions:
            contents: read
        steps:
            - run: make release
    test:
        steps:
            - run: make test
        runs-on: ubuntu-latest
permissions:
    contents: read
on: push
name: ci
";
    assert_eq!(
        ci_findings(&change(TWO_JOBS, ".github/workflows/ci.yml", shuffled)),
        vec![]
    );
    // renamed
    assert_eq!(
        ci_findings(&change(TWO_JOBS, ".github/workflows/build.yml", TWO_JOBS)),
        vec![]
    );
}

#[test]
fn an_added_dangerous_trigger_and_a_checkout_of_the_head_are_reported() {
    let before = "\
on: pull_request
permissions:
  contents: read
jobs:
  preview:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8
        with:
          persist-credentials: false
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm ci && npm run build
";
    let after = before.replace("on: pull_request\n", "on: pull_request_target\n");
    let r = change(before, ".github/workflows/ci.yml", &after);
    assert_eq!(
        ci_findings(&r),
        vec![at("pull-request-target", 1), at("untrusted-checkout", 11)]
    );
    let run = r.scan(&[
        "scan", "--base", "HEAD~1", "--only", "ci", "--format", "json",
    ]);
    let sev: Vec<String> = run
        .findings_json()
        .iter()
        .map(|f| f["severity"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sev, vec!["medium", "critical"]);
}

#[test]
fn an_injection_added_in_a_new_step_is_reported_at_its_expression() {
    let before = "\
on: issues
permissions:
  issues: write
jobs:
  triage:
    runs-on: ubuntu-latest
    steps:
      - run: echo \"$TITLE\"
        env:
          TITLE: ${{ github.event.issue.title }}
";
    let after = format!(
        "{before}      - name: Label
        run: |
          gh issue edit ${{{{ github.event.issue.number }}}} --add-label \"${{{{ github.event.issue.title }}}}\"
"
    );
    let r = change(before, ".github/workflows/ci.yml", &after);
    assert_eq!(ci_findings(&r), vec![at("template-injection", 13)]);
    let run = r.scan(&[
        "scan", "--base", "HEAD~1", "--only", "ci", "--format", "json",
    ]);
    let f = &run.findings_json()[0];
    // the column of `${{ github.event.issue.title }}` in the script, not of the step
    assert_eq!(f["region"]["start_column"], 71, "{f}");
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("github.event.issue.title"));
}

#[test]
fn a_commit_pin_replaced_by_a_tag_is_reported_and_a_tag_bump_is_not() {
    let pinned = "\
on: push
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/login-action@74a5d142397b4f367a81961eba4e8cd7edddf772 # v3.4.0
";
    let tagged = pinned.replace("74a5d142397b4f367a81961eba4e8cd7edddf772 # v3.4.0", "v3");
    assert_eq!(
        ci_findings(&change(pinned, ".github/workflows/ci.yml", &tagged)),
        vec![at("pin-replaced-by-ref", 7)]
    );
    let bumped = tagged.replace("@v3", "@v4");
    assert_eq!(
        ci_findings(&change(&tagged, ".github/workflows/ci.yml", &bumped)),
        vec![]
    );
}

#[test]
fn a_new_workflow_is_judged_whole() {
    let r = TempRepo::new();
    r.write("README.md", "x\n");
    r.commit_all("init");
    r.write(
        ".github/workflows/release.yml",
        "\
on:
  push:
    tags: ['v*']
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          cache: npm
      - uses: some-org/publish-action@v2
        with:
          token: ${{ secrets.NPM_TOKEN }}
      - run: npm publish
",
    );
    r.commit_all("release workflow");
    let got: Vec<(String, u64)> = ci_findings(&r)
        .into_iter()
        .map(|(rule, _, line)| (rule, line))
        .collect();
    assert_eq!(
        got,
        vec![
            ("ci/default-permissions".to_string(), 5),
            ("ci/checkout-persists-credentials".to_string(), 8),
            ("ci/unpinned-first-party-action".to_string(), 8),
            ("ci/cache-in-release".to_string(), 9),
            ("ci/unpinned-first-party-action".to_string(), 9),
            ("ci/unpinned-action".to_string(), 12),
        ]
    );
}

#[test]
fn a_workflow_that_is_not_yaml_is_a_notification_and_the_scan_goes_on() {
    let r = TempRepo::new();
    r.write("README.md", "x\n");
    r.commit_all("init");
    r.write(".github/workflows/bad.yml", "on: [push\njobs: {\n");
    r.write(
        ".github/workflows/ok.yml",
        "on: push\npermissions: write-all\njobs: {}\n",
    );
    r.commit_all("two workflows");
    let run = r.scan(&[
        "scan", "--base", "HEAD~1", "--only", "ci", "--format", "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let notes = run.notifications();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].0, ".github/workflows/bad.yml");
    assert!(notes[0].1.contains("not valid YAML"), "{notes:?}");
    assert_eq!(
        run.findings(),
        vec![(
            "ci/write-all".to_string(),
            ".github/workflows/ok.yml".to_string(),
            2
        )]
    );
}

#[test]
fn a_renamed_job_keeps_its_identity_and_a_rename_that_widens_is_reported() {
    // renamed only: nothing
    let renamed = TWO_JOBS.replace("  release:\n", "  publish:\n");
    assert_eq!(
        ci_findings(&change(TWO_JOBS, ".github/workflows/ci.yml", &renamed)),
        vec![]
    );
    // renamed and widened: the widening, at its scope line
    let widened = renamed.replace(
        "    permissions:\n      contents: read\n",
        "    permissions:\n      contents: write\n",
    );
    assert_eq!(
        ci_findings(&change(TWO_JOBS, ".github/workflows/ci.yml", &widened)),
        vec![at("permissions-widened", 12)]
    );
}

#[test]
fn one_edit_of_the_workflow_block_is_one_finding_for_every_job_it_widens() {
    let before = "\
on: push
permissions:
  contents: read
jobs:
  a:
    runs-on: x
  b:
    runs-on: x
  c:
    runs-on: x
";
    let after = before.replace(
        "  contents: read\n",
        "  contents: read\n  packages: write\n",
    );
    let r = change(before, ".github/workflows/ci.yml", &after);
    assert_eq!(ci_findings(&r), vec![at("permissions-widened", 4)]);
    let msg = first_message(&r);
    assert!(msg.starts_with("jobs `a`, `b`, `c`"), "{msg}");
}

#[test]
fn a_workflow_ending_inside_a_block_scalar_is_read_to_its_last_byte() {
    let before = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: |\n          echo hi";
    let after = format!(
        "{}\n          echo \"${{{{ github.event.head_commit.message }}}}\"",
        before.replace("on: push", "on: pull_request_target")
    );
    assert_eq!(
        ci_findings(&change(before, ".github/workflows/ci.yml", &after)),
        vec![at("pull-request-target", 1), at("template-injection", 9)]
    );
}

#[test]
fn the_readme_recipe_passes_the_pack() {
    let readme = include_str!("../README.md");
    let at = readme.find("## GitHub code scanning").expect("section");
    let open = readme[at..].find("```yaml\n").expect("fence") + at + "```yaml\n".len();
    let close = readme[open..].find("\n```").expect("end") + open;
    let r = TempRepo::new();
    r.write("README.md", "x\n");
    r.commit_all("init");
    r.write(".github/workflows/diffward.yml", &readme[open..close]);
    r.commit_all("add the recipe");
    // passes the gate at its defaults, with at most notes (its one write scope is a note)
    let run = r.scan(&[
        "scan", "--base", "HEAD~1", "--only", "ci", "--format", "json",
    ]);
    assert_eq!(
        run.code, 0,
        "the recipe must pass its own pack: {}",
        run.stdout
    );
    let above_info: Vec<String> = run
        .findings_json()
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| f["rule_id"].to_string())
        .collect();
    assert_eq!(above_info, Vec::<String>::new());
    assert_eq!(
        ci_findings(&r),
        vec![(
            "ci/new-job-write-scopes".to_string(),
            ".github/workflows/diffward.yml".to_string(),
            14
        )],
        "`security-events: write` to upload SARIF is the recipe's one write scope"
    );
}

#[test]
fn a_secret_beside_a_ci_finding_is_masked_when_only_the_ci_pack_runs() {
    let pw = format!("Zq8{}x4Lm2Rt7Vw", "Kp9Ws3Hd");
    let before =
        "on: issues\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: make\n";
    let after = format!(
        "on: issues\npermissions: {{}}\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: make\n        env:\n          DB_PASSWORD: \"{pw}\"\n      - run: echo \"${{{{ github.event.issue.title }}}}\"\n"
    );
    let r = change(before, ".github/workflows/ci.yml", &after);
    for format in ["human", "json", "sarif", "github"] {
        let run = r.scan(&[
            "scan", "--base", "HEAD~1", "--only", "ci", "--format", format,
        ]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(
            run.stdout.contains("issue.title"),
            "{format}: {}",
            run.stdout
        );
        if format == "human" {
            // the line is shown as context, its value masked
            assert!(run.stdout.contains("DB_PASSWORD"), "{}", run.stdout);
        }
        assert!(
            !run.stdout.contains(&pw),
            "{format} shows the password:\n{}",
            run.stdout
        );
    }
}

#[test]
fn a_fact_finding_keeps_its_fingerprint_wherever_it_lands() {
    let fingerprint = |workflow: &str| {
        let r = TempRepo::new();
        r.write("README.md", "x\n");
        r.commit_all("init");
        r.write(".github/workflows/ci.yml", workflow);
        r.commit_all("workflow");
        let run = r.scan(&[
            "scan", "--base", "HEAD~1", "--only", "ci", "--format", "json",
        ]);
        run.findings_json()
            .iter()
            .find(|f| f["rule_id"] == "ci/unpinned-action")
            .map(|f| {
                (
                    f["fingerprint"].to_string(),
                    f["region"]["start_line"].clone(),
                )
            })
            .expect("an unpinned-action finding")
    };
    let one = "on: push\npermissions: {}\njobs:\n  b:\n    runs-on: x\n    steps:\n      - uses: some-org/tool@v1\n";
    let moved = "on: push\npermissions: {}\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: make\n      - run: make test\n      - uses: some-org/tool@v1\n";
    let bumped = one.replace("@v1", "@v2");
    let (a, b, c) = (fingerprint(one), fingerprint(moved), fingerprint(&bumped));
    assert_ne!(a.1, b.1, "the finding moved");
    assert_eq!(a.0, b.0, "the same fingerprint on another line");
    // the ref is not an attribute the rule reads: a new version is the same finding
    assert_eq!(a.0, c.0);
}
