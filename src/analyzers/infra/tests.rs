use super::*;

fn facts(kind: FileKind, text: &str) -> Vec<Fact> {
    extract(kind, text).unwrap()
}

fn attr(f: &Fact, k: &str) -> String {
    match f.attrs.get(k) {
        Some(Value::Text(t)) => t.clone(),
        Some(Value::List(l)) => l.join(","),
        None => String::new(),
    }
}

#[test]
fn one_policy_in_four_formats_is_the_same_statement() {
    let json = r#"{"Statement": [{"Sid": "W", "Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::b/*"}]}"#;
    let tf = r#"resource "aws_iam_policy" "p" {
  policy = jsonencode({
    Statement = [{ Sid = "W", Effect = "Allow", Action = ["s3:PutObject"], Resource = "arn:aws:s3:::b/*" }]
  })
}
"#;
    let doc = r#"data "aws_iam_policy_document" "p" {
  statement {
    sid       = "W"
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::b/*"]
  }
}
"#;
    let cfn = "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Statement:\n          - Sid: W\n            Effect: Allow\n            Action: [s3:PutObject]\n            Resource: arn:aws:s3:::b/*\n";
    let all = [
        facts(FileKind::InfraJson, json),
        facts(FileKind::Terraform, tf),
        facts(FileKind::Terraform, doc),
        facts(FileKind::InfraYaml, cfn),
    ];
    for f in &all {
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].kind, "policy-statement");
        assert_eq!(attr(&f[0], "now"), "Allow s3:PutObject on arn:aws:s3:::b/*");
        assert_eq!(attr(&f[0], "risks"), "");
        assert_eq!(f[0].key[1], "W");
    }
    let policies: Vec<String> = all.iter().map(|f| attr(&f[0], "policy")).collect();
    assert_eq!(
        policies,
        [
            "the policy",
            "aws_iam_policy.p",
            "data.aws_iam_policy_document.p",
            "P.PolicyDocument"
        ]
    );
    // the JSON's action is pointed at in the file
    let f = &all[0][0];
    assert_eq!(&json[f.span.0..f.span.1], "[\"s3:PutObject\"]");
}

#[test]
fn template_actions_are_blanked_in_place() {
    let t = "{{- /* a\n comment */ -}}\nmetadata:\n  name: {{ include \"x\" . }}-é\n{{- if .Values.on }}\nspec: {}\n{{- end }}\n";
    let b = blank_template_actions(t);
    assert_eq!(b.len(), t.len());
    assert_eq!(b.lines().count(), t.lines().count());
    let docs = yaml::parse_all(&b).unwrap();
    let name = docs[0].get("metadata").unwrap().get("name").unwrap();
    assert_eq!(&t[name.span.0..name.span.1], "{{ include \"x\" . }}-é");
    assert!(
        b.starts_with("        \n               \nmetadata:"),
        "{b:?}"
    );
}

#[test]
fn a_template_keeps_one_branch_of_each_if() {
    let t = "spec:\n  {{- if .Values.host }}\n  hostNetwork: true\n  {{- else }}\n  hostNetwork: false\n  {{- end }}\n  containers: []\n";
    let b = blank_template_actions(t);
    assert_eq!(b.len(), t.len());
    let doc = yaml::parse(&b).unwrap();
    let spec = doc.get("spec").unwrap();
    assert_eq!(spec.get("hostNetwork").and_then(Node::str), Some("true"));
    assert!(spec.get("containers").is_some());
}

#[test]
fn manifests_lists_and_yaml_of_no_concern() {
    let list = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {name: p}\n    spec:\n      hostPID: true\n      containers: [{name: c, securityContext: {privileged: true}}]\n";
    let f = facts(FileKind::InfraYaml, list);
    let kinds: Vec<&str> = f.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, ["pod-security", "container-security"]);
    assert_eq!(attr(&f[0], "risks"), "host-pid");
    assert_eq!(attr(&f[1], "risks"), "privileged");
    // a ConfigMap that is not YAML is none of this pack's business: no error
    assert!(facts(
        FileKind::InfraYaml,
        "apiVersion: v1\nkind: ConfigMap\ndata: [\n"
    )
    .is_empty());
    // a Deployment that is not YAML is an error
    assert!(extract(
        FileKind::InfraYaml,
        "apiVersion: v1\nkind: Deployment\nspec: [\n"
    )
    .is_err());
    assert!(facts(FileKind::InfraJson, "{\"name\": \"app\"}").is_empty());
}

#[test]
fn a_changed_container_lists_the_hardening_it_lost() {
    let old = facts(
        FileKind::InfraYaml,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      securityContext: {runAsNonRoot: true, readOnlyRootFilesystem: true}\n",
    );
    let new = facts(
        FileKind::InfraYaml,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n",
    );
    let mut d = crate::analyzers::delta(old, new);
    judge(&mut d);
    let c = d
        .iter()
        .find(|d| d.new.as_ref().unwrap().kind == "container-security")
        .unwrap();
    assert_eq!(c.kind, DeltaKind::Changed);
    assert_eq!(
        attr(c.new.as_ref().unwrap(), "hardening-removed"),
        "securityContext,runAsNonRoot,readOnlyRootFilesystem"
    );
}

#[test]
fn grants_are_covered_by_wildcards() {
    let old = vec!["* apps/*".to_string(), "get pods".to_string()];
    assert!(grant_covered(&old, "patch apps/deployments"));
    assert!(grant_covered(&old, "get pods"));
    assert!(!grant_covered(&old, "list pods"));
    assert!(!grant_covered(&old, "get secrets"));
    // named objects: narrower than all of them
    let named = vec!["get secrets:app-token".to_string()];
    assert!(grant_covered(
        &["get secrets".to_string()],
        "get secrets:app-token"
    ));
    assert!(!grant_covered(&named, "get secrets"));
}

#[test]
fn every_truncation_of_each_format_is_facts_or_an_error_never_a_panic() {
    let tf = "provider \"aws\" {\n  secret_key = \"x\"\n}\nresource \"aws_iam_policy\" \"p\" {\n  policy = <<EOF\n{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\"}]}\nEOF\n}\ndata \"aws_iam_policy_document\" \"d\" {\n  statement {\n    actions = [\"iam:PassRole\"]\n    principals {\n      type = \"AWS\"\n      identifiers = [\"*\"]\n    }\n  }\n}\n";
    let cfn = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      ManagedPolicyArns: [!Sub \"arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess\"]\n      Policies:\n        - PolicyName: !Join ['', [a, !Ref B]]\n          PolicyDocument:\n            Statement: [{Effect: Allow, Action: 's3:*', Resource: '*'}]\n";
    let k8s = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n  containers:\n    - name: c\n      securityContext: {privileged: true, capabilities: {add: [SYS_ADMIN]}}\n---\nkind: ClusterRoleBinding\napiVersion: rbac.authorization.k8s.io/v1\nmetadata:\n  name: {{ .Release.Name }}\nroleRef: {kind: ClusterRole, name: cluster-admin}\n";
    let json = "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"s3:*\"], \"Resource\": \"*\", \"Condition\": {\"Bool\": {\"aws:SecureTransport\": \"true\"}}}]}";
    let compose = "services:\n  a:\n    privileged: true\n    volumes: [\"/var/run/docker.sock:/var/run/docker.sock\"]\n    cap_add: [NET_ADMIN]\n";
    for (kind, text) in [
        (FileKind::Terraform, tf),
        (FileKind::InfraYaml, cfn),
        (FileKind::InfraYaml, k8s),
        (FileKind::InfraJson, json),
        (FileKind::Compose, compose),
    ] {
        for end in (0..=text.len()).filter(|&e| text.is_char_boundary(e)) {
            if let Ok(facts) = extract(kind, &text[..end]) {
                for f in facts {
                    assert!(f.span.0 <= f.span.1 && f.span.1 <= end, "{kind:?} {end}");
                }
            }
        }
    }
}
