//! Infrastructure code: the credentials and privileges that IAM policies, Terraform,
//! CloudFormation, Kubernetes manifests and docker-compose files grant, as facts the
//! `credentials` pack reads. This is the design note of that part of the layer.
//!
//! # The data that flows
//!
//! ```text
//! FileKind::of(path): Terraform (*.tf), Compose (compose names), InfraJson (*.json),
//!                     InfraYaml (*.yaml, *.yml, *.template)
//!   extract(kind, text) ── sniff: is it a policy, a template, a manifest? (else no facts,
//!   │                      no parse, no notification: most YAML and JSON is neither)
//!   ├─ hcl.rs  (tree-sitter-hcl) ─→ terraform.rs ─┐
//!   ├─ json.rs (tree-sitter-json) ┐               ├─ iam.rs: policy-statement facts
//!   ├─ yaml.rs (libyaml, every document; Helm     │
//!   │   template actions blanked first)           │
//!   │        ├──────────────→ cloudformation.rs ──┘
//!   │        ├──────────────→ kubernetes.rs: k8s-role, role-binding, pod-security,
//!   │        │                               container-security
//!   │        └──────────────→ compose.rs: container-security
//!   └─ judge(deltas): what a change broadened (`broadened`, `new-risks`,
//!      `hardening-removed`), on the two sides of each changed fact
//! ```
//!
//! - **One tree for every format.** JSON, YAML and HCL values all become `yaml::Node` (map,
//!   sequence, string, each with its byte span), so a policy document is read by one function
//!   whether it is a `.json` file, a CloudFormation property, a Terraform `jsonencode({…})`
//!   object or a heredoc. A heredoc's JSON keeps its own spans; a JSON string with escapes
//!   gets its string's span for all it holds.
//! - **Risks are judged in Rust.** Each fact carries `risks`, a list of names such as
//!   `admin`, `service-wildcard`, `escalation`, `public`, `cluster-admin`, `privileged`;
//!   rules select them (`where: { risks: admin }`). For a `changed` fact the engine reports a
//!   rule only when the change brought its risk about, so a statement that was already
//!   `admin` and gained a `Sid` reports nothing.
//! - **Deltas are judged here** (`judge`): `broadened` (for a policy statement: `actions`,
//!   `resources`, `principals`, `condition` removed, `effect` Deny → Allow, compared as IAM
//!   matches them, a value computed elsewhere never counting; for a Kubernetes role:
//!   `grants`), `added` (what exactly), `added-access` (`read`, `scoped-write`: more of the
//!   writes it made on the resources it named, or `write`), `new-risks` (risks the old side did
//!   not have, so a broadening that a risk rule already reports is not reported twice) and
//!   `hardening-removed` (a container's `runAsNonRoot`, `readOnlyRootFilesystem`, … gone). A
//!   statement whose every grant an old statement of its policy made (a split, a merge, an
//!   action moved between statements) becomes `unchanged`.
//! - **Identity** is what the object is called where it is deployed: a Terraform address, a
//!   CloudFormation logical id and property path, a Kubernetes name, a compose service; a
//!   policy statement adds its `Sid`. Statements without one (`delta`) pair identical first,
//!   then with the old statement most like them, never by position. The engine joins these
//!   facts across the files of a change (`engine/facts.rs::join_moved`), so an object moved to
//!   another file reports nothing, nor does a statement granting exactly what a removed one
//!   granted under another name.
//! - **Which files.** By name first; content decides: a JSON or YAML file is a policy when it
//!   has a `Statement`, a template when it has `AWSTemplateFormatVersion` or resources of an
//!   `AWS::` type, a manifest when its documents have `apiVersion` and `kind`. A file that
//!   looks like one of those and does not parse is a notification; one that is none of them
//!   is not read further.

pub mod cloudformation;
pub mod compose;
pub mod hcl;
pub mod iam;
pub mod json;
pub mod kubernetes;
pub mod terraform;

use std::collections::BTreeMap;

use super::kind::FileKind;
use super::yaml::{self, Node, Value as YValue};
use super::{Delta, DeltaKind, Fact, Value};

/// The facts of one side of an infrastructure file.
pub fn extract(kind: FileKind, text: &str) -> Result<Vec<Fact>, String> {
    match kind {
        FileKind::Terraform => terraform::facts(text),
        FileKind::Compose => {
            let root = yaml::parse(&blank_template_actions(text))?;
            Ok(compose::facts(&root))
        }
        FileKind::InfraJson => {
            if !has_any(text, &["\"Statement\"", "AWS::", "\"apiVersion\""]) {
                return Ok(Vec::new());
            }
            let Some(root) = json::parse(text, 0) else {
                return Ok(Vec::new());
            };
            Ok(from_tree(std::slice::from_ref(&root)))
        }
        FileKind::InfraYaml => {
            let manifest = text.contains("apiVersion") && names_a_kind_read(text);
            let template = has_any(text, &["AWSTemplateFormatVersion", "AWS::"]);
            let policy = text.contains("Statement");
            if !(manifest || template || policy) {
                return Ok(Vec::new());
            }
            let helm = text.contains("{{");
            let docs = if helm {
                let blanked = blank_template_actions(text);
                yaml::parse_all(&blanked)
                    .map(|mut docs| {
                        docs.iter_mut().for_each(|d| restore_templates(d, text, &blanked));
                        docs
                    })
                    .map_err(|e| {
                        format!("a Helm template that is not YAML once its template actions are blanked ({e}): skipped")
                    })
            } else {
                yaml::parse_all(text)
            };
            let docs = match docs {
                Ok(d) => d,
                // (a YAML file that is none of these is no concern of this pack)
                Err(e) if manifest || template => return Err(e),
                Err(_) => return Ok(Vec::new()),
            };
            Ok(from_tree(&docs))
        }
        _ => Ok(Vec::new()),
    }
}

fn has_any(text: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| text.contains(n))
}

/// The facts of parsed JSON or YAML documents: templates, manifests, and policy documents
/// anywhere else.
fn from_tree(docs: &[Node]) -> Vec<Fact> {
    let mut out = Vec::new();
    if docs.iter().any(kubernetes::is_object) {
        out.extend(kubernetes::facts(docs));
    }
    for d in docs {
        if cloudformation::is_template(d) {
            out.extend(cloudformation::facts(d));
        } else if !kubernetes::is_object(d) {
            policies_in(d, "", &mut out);
        }
    }
    out
}

/// Every policy document of a tree that is neither a template nor a manifest (a policy
/// file, a CLI input file with a `PolicyDocument`), named by its key path.
fn policies_in(n: &Node, path: &str, out: &mut Vec<Fact>) {
    if n.get("Statement").is_some() {
        let name = if path.is_empty() { "the policy" } else { path };
        for s in iam::statements(n) {
            out.push(iam::fact(name, "json", s));
        }
        return;
    }
    match &n.value {
        YValue::Map(m) => {
            for (k, v) in m {
                let k = k.str().unwrap_or_default();
                // a CloudFormation stack policy guards a stack's resources from updates: no grant
                if matches!(k, "StackPolicy" | "StackPolicyBody") {
                    continue;
                }
                let p = if path.is_empty() {
                    k.to_string()
                } else {
                    format!("{path}.{k}")
                };
                policies_in(v, &p, out);
            }
        }
        YValue::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                policies_in(v, &format!("{path}[{i}]"), out);
            }
        }
        YValue::Str(..) => {}
    }
}

/// Go and Helm template actions (`{{ … }}`, a comment across lines too) replaced by text YAML
/// reads as plain: a line that is only actions becomes blank, an action inside a line becomes
/// `x`s of its length. Byte offsets are kept, so findings point at the template's own text.
pub fn blank_template_actions(text: &str) -> String {
    if !text.contains("{{") {
        return text.to_string();
    }
    let b = text.as_bytes();
    let mut inside = vec![false; b.len()];
    // every action: where it starts and what it says (`if`, `else`, `end`, …)
    let mut actions: Vec<(usize, &str)> = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'{' && b[i + 1] == b'{' {
            let end = text[i + 2..].find("}}").map_or(b.len(), |e| i + 2 + e + 2);
            inside[i..end].iter_mut().for_each(|x| *x = true);
            let body = text[i + 2..end.saturating_sub(2).max(i + 2)]
                .trim_matches(|c: char| c == '-' || c.is_whitespace());
            actions.push((i, body));
            i = end;
        } else {
            i += 1;
        }
    }
    // An `else` branch is left out, so that the YAML holds one branch of each `if` (both
    // branches, one under the other, are rarely YAML); `stack` holds, per open block, whether
    // its `else` has begun.
    let mut stack: Vec<bool> = Vec::new();
    let mut next_action = 0;
    let mut out = Vec::with_capacity(b.len());
    let mut line_start = 0;
    while line_start < b.len() {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(b.len(), |e| line_start + e);
        let in_else = stack.iter().any(|&e| e);
        while next_action < actions.len() && actions[next_action].0 < line_end {
            let word = actions[next_action]
                .1
                .split_whitespace()
                .next()
                .unwrap_or("");
            match word {
                "if" | "with" | "range" | "define" | "block" => stack.push(false),
                "else" => {
                    if let Some(top) = stack.last_mut() {
                        *top = true;
                    }
                }
                "end" => {
                    stack.pop();
                }
                _ => {}
            }
            next_action += 1;
        }
        let line = line_start..line_end;
        let has_action = inside[line.clone()].iter().any(|&x| x);
        let only_actions = in_else
            || (has_action
                && line
                    .clone()
                    .all(|k| inside[k] || b[k].is_ascii_whitespace()));
        for k in line {
            out.push(match (inside[k] || in_else, only_actions) {
                (true, true) => b' ',
                (true, false) => b'x',
                (false, _) => b[k],
            });
        }
        if line_end < b.len() {
            out.push(b'\n');
        }
        line_start = line_end + 1;
    }
    // (only ASCII replaced whole bytes of the original: the result is UTF-8 when the text is,
    // but a multi-byte character is never split because each of its bytes became `x` or ` `)
    String::from_utf8(out).unwrap_or_default()
}

/// A scalar that held a template action reads as the template's own text again
/// (`name: {{ include "app.fullname" . }}`), for messages.
fn restore_templates(n: &mut Node, text: &str, blanked: &str) {
    match &mut n.value {
        YValue::Str(s, _) => {
            let (a, b) = n.span;
            if let (Some(orig), Some(mask)) = (text.get(a..b), blanked.get(a..b)) {
                if orig != mask {
                    *s = orig.trim().trim_matches(['"', '\'']).to_string();
                }
            }
        }
        YValue::Map(m) => m.iter_mut().for_each(|(k, v)| {
            restore_templates(k, text, blanked);
            restore_templates(v, text, blanked);
        }),
        YValue::Seq(items) => items
            .iter_mut()
            .for_each(|i| restore_templates(i, text, blanked)),
    }
}

/// The kinds of Kubernetes object this pack reads.
const KINDS_READ: &[&str] = &[
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "PodTemplate",
    "List",
];

/// Whether some line of a YAML text says `kind: X` for a kind this pack reads.
fn names_a_kind_read(text: &str) -> bool {
    text.lines().any(|l| {
        l.trim_start()
            .strip_prefix("kind:")
            .map(|k| k.trim().trim_matches(['"', '\'']))
            .is_some_and(|k| KINDS_READ.contains(&k))
    })
}

/// Text attributes from pairs.
pub(crate) fn text_attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::Text(v.to_string())))
        .collect()
}

/// The policy document a string holds, if it holds JSON: a heredoc's body keeps its spans in
/// the file; a quoted string with escapes gives its whole span to everything it holds.
pub(crate) fn json_in(n: &Node, text: &str) -> Option<Node> {
    let s = n.str()?;
    if !s.trim_start().starts_with('{') {
        return None;
    }
    if text.get(n.span.0..n.span.1) == Some(s) {
        return json::parse(s, n.span.0);
    }
    let mut doc = json::parse(s, 0)?;
    respan(&mut doc, n.span);
    Some(doc)
}

fn respan(n: &mut Node, span: (usize, usize)) {
    n.span = span;
    match &mut n.value {
        YValue::Map(m) => {
            for (k, v) in m {
                respan(k, span);
                respan(v, span);
            }
        }
        YValue::Seq(items) => items.iter_mut().for_each(|i| respan(i, span)),
        YValue::Str(..) => {}
    }
}

/// Every AWS managed policy a value names by ARN (`arn:aws:iam::aws:policy/…`, also inside an
/// interpolation or a CloudFormation `!Sub`).
pub(crate) fn managed_policies(n: &Node, resource: &str) -> Vec<Fact> {
    match &n.value {
        YValue::Str(s, _) => match s.find(":iam::aws:policy/") {
            Some(i) => {
                let name = s[i..].rsplit('/').next().unwrap_or_default();
                let name = name.trim_end_matches(['"', '}', ')', ' ']);
                managed_policy(name, resource, n.span).into_iter().collect()
            }
            None => Vec::new(),
        },
        YValue::Seq(items) => items
            .iter()
            .flat_map(|i| managed_policies(i, resource))
            .collect(),
        YValue::Map(m) => m
            .iter()
            .flat_map(|(_, v)| managed_policies(v, resource))
            .collect(),
    }
}

/// An AWS managed policy attached by `resource`, with its risk: `admin`
/// (`AdministratorAccess`), `power-user`, `iam-full`, or `full-access` (`*FullAccess`).
pub(crate) fn managed_policy(name: &str, resource: &str, span: (usize, usize)) -> Option<Fact> {
    let risk = match name {
        "AdministratorAccess" => "admin",
        "PowerUserAccess" => "power-user",
        "IAMFullAccess" => "iam-full",
        n if n.ends_with("FullAccess") => "full-access",
        _ if name.is_empty() => return None,
        _ => "",
    };
    let mut attrs = text_attrs(&[("policy", name), ("resource", resource)]);
    let risks = if risk.is_empty() {
        Vec::new()
    } else {
        vec![risk.to_string()]
    };
    attrs.insert("risks".into(), Value::List(risks));
    Some(Fact {
        kind: "managed-policy",
        key: vec![resource.to_string(), name.to_string()],
        attrs,
        span,
        related: Vec::new(),
    })
}

/// The deltas of an infrastructure file's two sides. Facts with a name of their own (a
/// Terraform address, a Kubernetes object, a statement's `Sid`) pair by it; anonymous policy
/// statements of one policy pair identical first, then each with the old statement most like
/// it (sharing actions, resources or principals), never with one that shares nothing: a
/// policy rewritten statement by statement compares each new statement with what it replaces,
/// not with whatever stood at its position.
pub fn delta(old: Vec<Fact>, new: Vec<Fact>) -> Vec<Delta> {
    let anonymous =
        |f: &Fact| f.kind == "policy-statement" && f.key.get(1).is_none_or(|s| s.is_empty());
    let (anon_old, named_old): (Vec<Fact>, Vec<Fact>) = old.into_iter().partition(|f| anonymous(f));
    let (anon_new, named_new): (Vec<Fact>, Vec<Fact>) = new.into_iter().partition(|f| anonymous(f));
    let mut out = super::delta(named_old, named_new);
    let mut old: Vec<Option<Fact>> = anon_old.into_iter().map(Some).collect();
    let mut pair: Vec<Option<usize>> = vec![None; anon_new.len()];
    // identical statements first
    for (j, n) in anon_new.iter().enumerate() {
        if let Some(i) = (0..old.len()).find(|&i| {
            old[i]
                .as_ref()
                .is_some_and(|o| o.key == n.key && o.attrs == n.attrs)
                && !pair.contains(&Some(i))
        }) {
            pair[j] = Some(i);
        }
    }
    // then the most alike, best pairs first
    let mut candidates: Vec<(usize, usize, usize)> = Vec::new();
    for (j, n) in anon_new.iter().enumerate() {
        for (i, o) in old.iter().enumerate() {
            if let Some(o) = o.as_ref().filter(|o| o.key == n.key) {
                let shared = likeness(o, n);
                if shared > 0 {
                    candidates.push((shared, j, i));
                }
            }
        }
    }
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    for (_, j, i) in candidates {
        if pair[j].is_none() && !pair.contains(&Some(i)) {
            pair[j] = Some(i);
        }
    }
    for (n, p) in anon_new.into_iter().zip(pair) {
        let o = p.and_then(|i| old[i].take());
        out.push(match o {
            Some(o) => Delta {
                kind: if o.attrs == n.attrs {
                    DeltaKind::Unchanged
                } else {
                    DeltaKind::Changed
                },
                old: Some(o),
                new: Some(n),
            },
            None => Delta {
                kind: DeltaKind::Added,
                old: None,
                new: Some(n),
            },
        });
    }
    out.extend(old.into_iter().flatten().map(|o| Delta {
        kind: DeltaKind::Removed,
        old: Some(o),
        new: None,
    }));
    out
}

/// How many actions, resources and principals two statements share (without regard to case).
fn likeness(a: &Fact, b: &Fact) -> usize {
    ["actions", "resources", "principals"]
        .iter()
        .map(|k| {
            let bs: Vec<String> = b.list(k).iter().map(|x| x.to_lowercase()).collect();
            a.list(k)
                .iter()
                .filter(|x| bs.contains(&x.to_lowercase()))
                .count()
        })
        .sum()
}

/// Whether Kubernetes grant `new` (`verb group/resource`) is covered by one of `old`.
fn grant_covered(old: &[String], new: &str) -> bool {
    let (nv, nr) = new.split_once(' ').unwrap_or((new, ""));
    old.iter().any(|o| {
        let (ov, or) = o.split_once(' ').unwrap_or((o, ""));
        // (`get secrets` covers `get secrets:one-name`)
        let res = or == nr
            || or == "*"
            || nr
                .strip_prefix(or)
                .is_some_and(|rest| rest.starts_with(':'))
            || or
                .strip_suffix("/*")
                .is_some_and(|g| nr.starts_with(&format!("{g}/")));
        (ov == "*" || ov == nv) && res
    })
}

/// What each changed fact's change did: `new-risks`, and for its kind `broadened`,
/// `hardening-removed`, `before` (the old side in short).
pub fn judge(deltas: &mut [Delta]) {
    // A statement whose every grant an old statement of its policy made grants nothing new.
    let mut old_statements: std::collections::HashMap<String, Vec<Fact>> = Default::default();
    for o in deltas.iter().filter_map(|d| d.old.as_ref()) {
        if o.kind == "policy-statement" {
            let policy = o.key.first().cloned().unwrap_or_default();
            old_statements.entry(policy).or_default().push(o.clone());
        }
    }
    for d in deltas.iter_mut() {
        let Some(n) = d.new.as_ref().filter(|n| n.kind == "policy-statement") else {
            continue;
        };
        let olds = old_statements.get(n.key.first().map_or("", String::as_str));
        if matches!(d.kind, DeltaKind::Added | DeltaKind::Changed)
            && olds.is_some_and(|o| iam::granted_by(o, n))
        {
            d.kind = DeltaKind::Unchanged;
        }
    }
    for d in deltas.iter_mut() {
        let (DeltaKind::Changed, Some(old), Some(new)) = (&d.kind, &d.old, &mut d.new) else {
            continue;
        };
        let fresh: Vec<String> = new
            .list("risks")
            .iter()
            .filter(|r| !old.list("risks").contains(r))
            .cloned()
            .collect();
        let mut broadened = Vec::new();
        let mut removed = Vec::new();
        let mut added = Vec::new();
        let mut reads = false;
        let mut alike = false;
        match new.kind {
            "policy-statement" => {
                (broadened, added) = iam::broadened(old, new);
                reads = iam::only_reads(&broadened, new, old);
                alike = iam::same_kind_where_it_was(&broadened, new, old);
            }
            "k8s-role" => {
                added = new
                    .list("grants")
                    .iter()
                    .filter(|g| !grant_covered(old.list("grants"), g))
                    .cloned()
                    .collect();
                if !added.is_empty() {
                    broadened.push("grants".to_string());
                }
                reads = added.iter().all(|g| {
                    matches!(g.split(' ').next(), Some("get" | "list" | "watch"))
                        && !g.contains("secrets")
                });
            }
            "container-security" => {
                removed = old
                    .list("hardening")
                    .iter()
                    .filter(|h| !new.list("hardening").contains(h))
                    .cloned()
                    .collect();
                if old.text("security-context") == "true" && new.text("security-context") == "false"
                {
                    removed.insert(0, "securityContext".to_string());
                }
            }
            _ => {}
        }
        let access = match (broadened.is_empty(), reads, alike) {
            (true, _, _) => "",
            (false, true, _) => "read",
            (false, false, true) => "scoped-write",
            (false, false, false) => "write",
        };
        let attrs = &mut new.attrs;
        attrs.insert("new-risks".into(), Value::List(fresh));
        attrs.insert("broadened".into(), Value::List(broadened));
        attrs.insert("added".into(), Value::List(added));
        attrs.insert("added-access".into(), Value::Text(access.to_string()));
        attrs.insert("hardening-removed".into(), Value::List(removed));
    }
}

#[cfg(test)]
mod tests;
