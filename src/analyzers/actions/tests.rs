use super::*;
use crate::analyzers::delta;

fn of<'a>(facts: &'a [Fact], kind: &str) -> Vec<&'a Fact> {
    facts.iter().filter(|f| f.kind == kind).collect()
}

fn list(f: &Fact, a: &str) -> Vec<String> {
    match f.attrs.get(a) {
        Some(Value::List(l)) => l.clone(),
        _ => Vec::new(),
    }
}

#[test]
fn effective_permissions_per_job() {
    let t = "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n  b:\n    permissions:\n      packages: write\n    runs-on: x\n";
    let f = workflow(t).unwrap();
    let jp = of(&f, "job-permission");
    assert_eq!(jp.len(), 2);
    assert_eq!(jp[0].text("source"), "workflow");
    assert_eq!(list(jp[0], "read"), vec!["contents"]);
    assert!(list(jp[0], "write").is_empty());
    // a job's block replaces the workflow's: no contents for b
    assert_eq!(jp[1].text("source"), "job");
    assert_eq!(list(jp[1], "write"), vec!["packages"]);
    assert!(list(jp[1], "read").is_empty());
    let none = workflow("on: push\njobs:\n  a:\n    runs-on: x\n").unwrap();
    let d = of(&none, "job-permission");
    assert_eq!(d[0].text("source"), "default");
    assert!(list(d[0], "write").contains(&"contents".to_string()));
}

fn judged(old: &str, new: &str) -> Vec<Delta> {
    let mut d = delta(workflow(old).unwrap(), workflow(new).unwrap());
    judge(&mut d);
    d.into_iter()
        .filter(|d| d.new.as_ref().or(d.old.as_ref()).unwrap().kind == "job-permission")
        .collect()
}

#[test]
fn widening_narrowing_and_fallback() {
    let base = "on: push\njobs:\n  a:\n    permissions:\n      contents: read\n    runs-on: x\n  b:\n    permissions:\n      contents: read\n    runs-on: x\n";
    let wider = base.replacen("contents: read", "contents: write", 1);
    let d = judged(base, &wider);
    assert_eq!(d[0].kind, DeltaKind::Changed);
    assert_eq!(
        list(d[0].new.as_ref().unwrap(), "widened"),
        vec!["contents: read → write"]
    );
    assert_eq!(d[1].kind, DeltaKind::Unchanged);
    // narrowed: changed, nothing widened
    let d = judged(&wider, base);
    assert!(list(d[0].new.as_ref().unwrap(), "widened").is_empty());
    // the block removed: the job falls back to the default
    let gone = "on: push\njobs:\n  a:\n    runs-on: x\n  b:\n    permissions:\n      contents: read\n    runs-on: x\n";
    let d = judged(base, gone);
    let n = d[0].new.as_ref().unwrap();
    assert_eq!(n.text("fallback"), "true");
    assert!(list(n, "widened").contains(&"issues: none → write".to_string()));
}

#[test]
fn reindented_reordered_workflow_is_unchanged() {
    let a = "on: [push]\npermissions: {contents: read}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo ${{ github.event.issue.title }}\n  b:\n    runs-on: x\n";
    let b = "jobs:\n    b:\n        runs-on: x\n    a:\n        steps:\n            - uses: actions/checkout@v4\n            - run: echo ${{ github.event.issue.title }}\n        runs-on: x\npermissions:\n    contents: read\non:\n    - push\n";
    let d = delta(workflow(a).unwrap(), workflow(b).unwrap());
    assert!(d.iter().all(|d| d.kind == DeltaKind::Unchanged), "{d:#?}");
}

#[test]
fn injection_in_run_and_github_script_but_not_safe_contexts() {
    let t = "on: issues\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: |\n          echo \"${{ github.event.issue.title }}\" ${{ github.sha }}\n      - uses: actions/github-script@v7\n        with:\n          script: console.log('${{ github.event.comment.body }}')\n      - uses: some/action@v1\n        with:\n          text: ${{ github.event.issue.title }}\n";
    let f = workflow(t).unwrap();
    let e = of(&f, "expression");
    assert_eq!(e.len(), 2);
    assert_eq!(
        &t[e[0].span.0..e[0].span.1],
        "${{ github.event.issue.title }}"
    );
    assert_eq!(e[0].text("trust"), "attacker");
    assert_eq!(e[1].text("field"), "script");
}

#[test]
fn pins_of_uses() {
    let t = "on: push\njobs:\n  a:\n    runs-on: x\n    container: node:20\n    steps:\n      - uses: actions/checkout@v4\n      - uses: foo/bar@0123456789abcdef0123456789abcdef01234567\n      - uses: ./local\n      - uses: docker://alpine:3.19\n      - uses: actoins/checkout@v4\n  c:\n    uses: org/r/.github/workflows/x.yml@main\n";
    let f = workflow(t).unwrap();
    let pins: Vec<(&str, &str, &str)> = of(&f, "action-use")
        .iter()
        .map(|f| (f.text("action"), f.text("pin"), f.text("kind")))
        .collect();
    assert_eq!(
        pins,
        vec![
            ("node", "tag", "image"),
            ("actions/checkout", "ref", "action"),
            ("foo/bar", "sha", "action"),
            ("./local", "local", "local"),
            ("alpine", "tag", "docker"),
            ("actoins/checkout", "ref", "action"),
            ("org/r/.github/workflows/x.yml", "ref", "reusable"),
        ]
    );
    let look = of(&f, "action-use")
        .into_iter()
        .find(|f| f.text("action") == "actoins/checkout")
        .unwrap();
    assert_eq!(look.text("lookalike"), "actions/checkout");
}

#[test]
fn untrusted_checkout_under_pull_request_target() {
    let t = "on: pull_request_target\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n";
    let f = workflow(t).unwrap();
    let r = of(&f, "workflow-risk");
    assert!(r.iter().any(|f| f.text("risk") == "untrusted-checkout"));
    let safe = t.replace("pull_request_target", "pull_request");
    let f = workflow(&safe).unwrap();
    assert!(!of(&f, "workflow-risk")
        .iter()
        .any(|f| f.text("risk") == "untrusted-checkout"));
}

#[test]
fn malformed_workflows_are_errors() {
    assert!(workflow("on: [push\n").is_err());
    assert!(workflow("").unwrap().is_empty());
}

#[test]
fn all_secrets_in_a_github_script_is_one_fact() {
    let t = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/github-script@v7\n        with:\n          script: console.log(${{ toJSON(secrets) }})\n";
    let f = workflow(t).unwrap();
    let n = of(&f, "workflow-risk")
        .iter()
        .filter(|f| f.text("risk") == "all-secrets")
        .count();
    assert_eq!(n, 1);
}
