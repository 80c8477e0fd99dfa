//! The credentials pack on git changes to infrastructure code, as a reviewer meets them: what a
//! change granted or broadened, at the line that did it, and nothing for an object re-formatted
//! or moved to another file, or for a change that narrows.

mod common;

use common::TempRepo;

/// A repository with `files` committed, then `after` (a `None` content deletes the file).
fn change(files: &[(&str, &str)], after: &[(&str, Option<&str>)]) -> TempRepo {
    let r = TempRepo::new();
    for (p, c) in files {
        r.write(p, c);
    }
    r.write("README.md", "infra\n");
    r.commit_all("before");
    for (p, c) in after {
        match c {
            Some(c) => {
                r.write(p, c);
            }
            None => r.remove(p),
        }
    }
    r.commit_all("after");
    r
}

fn findings(r: &TempRepo) -> Vec<(String, String, u64)> {
    r.change_findings(&["--only", "credentials"])
}

/// The change's credentials scan, as JSON.
fn json_scan(r: &TempRepo) -> common::Run {
    r.scan(&[
        "scan",
        "--base",
        "HEAD~1",
        "--only",
        "credentials",
        "--format",
        "json",
    ])
}

fn at(rule: &str, path: &str, line: u64) -> (String, String, u64) {
    (format!("credentials/{rule}"), path.to_string(), line)
}

const ROLE_TF: &str = r#"resource "aws_iam_role_policy" "app" {
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Reports"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["arn:aws:s3:::reports/*"]
      },
    ]
  })
}
"#;

#[test]
fn a_statement_broadened_in_terraform_is_reported_at_the_line_with_before_and_after() {
    let after = ROLE_TF.replace(
        r#"Action   = ["s3:GetObject"]"#,
        r#"Action   = ["s3:GetObject", "s3:PutObject"]"#,
    );
    let r = change(&[("iam.tf", ROLE_TF)], &[("iam.tf", Some(&after))]);
    assert_eq!(
        findings(&r),
        vec![at("iam-statement-broadened", "iam.tf", 9)]
    );
    let run = json_scan(&r);
    let msg = run.findings_json()[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("aws_iam_role_policy.app"), "{msg}");
    assert!(msg.contains("now also allows s3:PutObject"), "{msg}");
    assert!(
        msg.contains("it allowed Allow s3:GetObject on arn:aws:s3:::reports/*"),
        "{msg}"
    );
    // only reads added: a low note
    let reads = ROLE_TF.replace(
        r#"Action   = ["s3:GetObject"]"#,
        r#"Action   = ["s3:Get*"]"#,
    );
    let r = change(&[("iam.tf", ROLE_TF)], &[("iam.tf", Some(&reads))]);
    assert_eq!(
        findings(&r),
        vec![at("iam-statement-broadened-read", "iam.tf", 9)]
    );
}

#[test]
fn the_same_policy_moved_to_another_file_and_reformatted_reports_nothing() {
    // the resource moves into a module's file, written as a heredoc
    let moved = r#"resource "aws_iam_role_policy" "app" {
  role   = aws_iam_role.app.id
  policy = <<EOF
{"Version": "2012-10-17",
 "Statement": [{"Resource": "arn:aws:s3:::reports/*", "Action": "s3:GetObject",
                "Effect": "Allow", "Sid": "Reports"}]}
EOF
}
"#;
    let r = change(
        &[("iam.tf", ROLE_TF)],
        &[("iam.tf", None), ("modules/app/iam.tf", Some(moved))],
    );
    assert_eq!(findings(&r), vec![]);
    // …but moved and widened, it is the same statement, broadened
    let widened = moved.replace("s3:GetObject", "s3:*");
    let r = change(
        &[("iam.tf", ROLE_TF)],
        &[("iam.tf", None), ("modules/app/iam.tf", Some(&widened))],
    );
    assert_eq!(
        findings(&r),
        vec![at("iam-service-wildcard", "modules/app/iam.tf", 5)]
    );
}

#[test]
fn a_narrowed_statement_and_a_new_scoped_policy_report_nothing() {
    let wide = ROLE_TF.replace("s3:GetObject", "s3:*");
    let scoped = r#"data "aws_iam_policy_document" "writer" {
  statement {
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["arn:aws:s3:::uploads-123456789012/*"]
  }
  statement {
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
  }
}
"#;
    let r = change(
        &[("iam.tf", &wide)],
        &[("iam.tf", Some(ROLE_TF)), ("writer.tf", Some(scoped))],
    );
    assert_eq!(findings(&r), vec![]);
}

const BINDING: &str = "\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: deployer
  namespace: app
roleRef:
  kind: ClusterRole
  name: edit
subjects:
  - kind: ServiceAccount
    name: deployer
    namespace: app
";

#[test]
fn a_binding_moved_to_the_cluster_is_reported_where_its_kind_changed() {
    let after = BINDING
        .replace("kind: RoleBinding", "kind: ClusterRoleBinding")
        .replace("  namespace: app\nroleRef", "roleRef");
    let manifest = format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: app\n---\n{after}");
    let r = change(
        &[("k8s/rbac.yaml", BINDING)],
        &[
            ("k8s/rbac.yaml", None),
            ("deploy/all.yaml", Some(&manifest)),
        ],
    );
    assert_eq!(
        findings(&r),
        vec![at("k8s-binding-to-cluster", "deploy/all.yaml", 7)]
    );
}

#[test]
fn hardening_removed_from_a_helm_template_is_reported_and_an_unreadable_template_is_a_note() {
    let before = "\
{{- /*
  The web server.
*/ -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include \"web.fullname\" . }}
spec:
  template:
    spec:
      containers:
        - name: web
          image: \"{{ .Values.image }}\"
          securityContext:
            runAsNonRoot: true
            readOnlyRootFilesystem: true
";
    let after = before.replace("            readOnlyRootFilesystem: true\n", "");
    let broken = "apiVersion: v1\nkind: Pod\nmetadata: {{ toYaml .Values.meta }}\n  name: x\n";
    let r = change(
        &[("chart/templates/web.yaml", before)],
        &[
            ("chart/templates/web.yaml", Some(&after)),
            ("chart/templates/broken.yaml", Some(broken)),
        ],
    );
    let run = json_scan(&r);
    assert_eq!(
        run.findings(),
        vec![at("hardening-removed", "chart/templates/web.yaml", 12)]
    );
    let msg = run.findings_json()[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("Deployment {{ include \"web.fullname\" . }}"),
        "{msg}"
    );
    assert!(msg.contains("readOnlyRootFilesystem"), "{msg}");
    let notes = run.notifications();
    assert!(
        notes
            .iter()
            .any(|(p, m)| p == "chart/templates/broken.yaml" && m.contains("Helm template")),
        "{notes:?}"
    );
}

#[test]
fn a_provider_key_is_one_masked_finding_and_yaml_that_is_not_infrastructure_is_not_read() {
    // a fake key for this test, in the AWS secret key's shape
    let key = ["wJalrXUtnFEMI", "K7MDENG", "bPxRfiCYFAKEKEYZZ"].join("/");
    let tf = format!(
        "provider \"aws\" {{\n  region     = \"eu-west-1\"\n  secret_key = \"{key}\"\n}}\n"
    );
    let r = change(
        &[],
        &[
            ("main.tf", Some(&tf)),
            // a YAML file of another kind, that is not YAML at all
            ("config/app.yaml", Some("a: [\nkind: x\n")),
        ],
    );
    let run = r.scan(&["scan", "--base", "HEAD~1", "--format", "json"]);
    let out = run.stdout.clone();
    assert!(!out.contains(&key), "the key is never printed: {out}");
    let on_line_3: Vec<String> = run
        .findings()
        .into_iter()
        .filter(|(_, p, l)| p == "main.tf" && *l == 3)
        .map(|(rule, _, _)| rule)
        .collect();
    assert_eq!(on_line_3.len(), 1, "one finding per secret: {on_line_3:?}");
    assert!(run.notifications().is_empty(), "{:?}", run.notifications());
}

#[test]
fn a_scoped_policy_full_of_arns_and_account_ids_scans_clean_with_every_pack() {
    let policy = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Writer", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
     "Resource": ["arn:aws:s3:::uploads-123456789012/*", "arn:aws:s3:::uploads-123456789012"]},
    {"Effect": "Allow", "Action": "kms:Decrypt",
     "Resource": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
  ]
}
"#;
    let tf = r#"resource "aws_iam_role" "app" {
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = "arn:aws:iam::123456789012:role/ci" } }]
  })
}
"#;
    let r = change(
        &[],
        &[
            ("infra/policy.json", Some(policy)),
            ("infra/role.tf", Some(tf)),
        ],
    );
    assert_eq!(r.change_findings(&[]), vec![]);
}

#[test]
fn diffward_toml_names_manifests_whose_names_do_not_say() {
    let binding = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: ci\nroleRef:\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n  - kind: ServiceAccount\n    name: ci\n    namespace: build\n";
    let r = change(&[], &[("deploy/rbac.tpl", Some(binding))]);
    assert_eq!(findings(&r), vec![], "a .tpl file is not read by default");
    let r = change(
        &[(
            "diffward.toml",
            "[infra]\nkubernetes = [\"deploy/*.tpl\"]\n",
        )],
        &[("deploy/rbac.tpl", Some(binding))],
    );
    assert_eq!(
        findings(&r),
        vec![at("k8s-cluster-admin-binding", "deploy/rbac.tpl", 7)]
    );
}

#[test]
fn a_role_renamed_and_moved_to_another_template_reports_nothing() {
    let role = |id: &str| {
        format!(
            "Resources:\n  {id}:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyName: autoscaling\n          PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Action: [ecs:UpdateService, ecs:DescribeServices]\n                Resource: \"*\"\n"
        )
    };
    let r = change(
        &[("services/web.yaml", &role("AutoScalingRole"))],
        &[
            ("services/web.yaml", Some("Resources: {}\n")),
            ("infra/cluster.yaml", Some(&role("ServiceAutoScalingRole"))),
        ],
    );
    assert_eq!(findings(&r), vec![]);
    // renamed in place
    let r = change(
        &[("stack.yaml", &role("AutoScalingRole"))],
        &[("stack.yaml", Some(&role("ServiceAutoScalingRole")))],
    );
    assert_eq!(findings(&r), vec![]);
}
