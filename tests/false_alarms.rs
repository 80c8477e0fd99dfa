//! Changes of real projects that weakened nothing, each reduced to its few lines
//! (fixtures/false-alarms/*): an earlier build reported each as a weakening. Replayed as one
//! commit, none gives a finding of the auth or checks pack.

mod common;

#[test]
fn changes_that_weakened_nothing_give_no_finding() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/false-alarms");
    let mut cases: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| {
            let e = e.unwrap();
            e.file_type()
                .unwrap()
                .is_dir()
                .then(|| e.file_name().to_string_lossy().into_owned())
        })
        .collect();
    cases.sort();
    assert!(cases.len() >= 17, "{cases:?}");
    let mut alarms = Vec::new();
    for case in &cases {
        let r = common::fixture_change_repo(&format!("false-alarms/{case}"));
        for (rule, path, line, message) in
            r.change_findings_with_messages(&["--only", "auth,checks"])
        {
            alarms.push(format!("{case}: {rule} {path}:{line} {message}"));
        }
    }
    assert!(alarms.is_empty(), "\n{}", alarms.join("\n"));
}

#[test]
fn many_narrow_suppressions_added_to_one_file_are_one_finding_that_counts_them() {
    let r = common::repo_with(&[("src/m.py", "import os\nx = 1\n")]);
    let added: String = [
        "attr-defined",
        "arg-type",
        "no-any-return",
        "misc",
        "union-attr",
    ]
    .iter()
    .enumerate()
    .map(|(i, code)| format!("v{i} = f()  # type: ignore[{code}]\n"))
    .collect();
    r.write("src/m.py", format!("import os\n{added}x = 1\n"));
    r.write("src/n.py", "y = g()  # type: ignore[arg-type]\n");
    r.commit_all("types");
    let found = r
        .scan(&[
            "scan",
            "--base",
            "HEAD~1",
            "--only",
            "checks",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .findings_with_messages();
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!((found[0].1.as_str(), found[0].2), ("src/m.py", 2));
    assert!(
        found[0].3.contains("attr-defined")
            && found[0]
                .3
                .contains("4 more like it in this file: lines 3, 4, 5, 6"),
        "{}",
        found[0].3
    );
    assert_eq!((found[1].1.as_str(), found[1].2), ("src/n.py", 1));
}
