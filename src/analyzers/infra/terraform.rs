//! Terraform: the grants its resources make, on AWS, GCP and Azure.
//!
//! - `policy-statement`: every policy document the file writes, wherever it sits: an
//!   attribute whose value is `jsonencode({ Statement = … })`, a heredoc or string of JSON
//!   (`policy`, `assume_role_policy`, a module input, a local), or a
//!   `data "aws_iam_policy_document"` block's `statement` blocks.
//! - `managed-policy`: an AWS managed policy named anywhere (`policy_arn`,
//!   `managed_policy_arns`, a module's list of ARNs): `AdministratorAccess` and its kin.
//! - `cloud-grant`: a GCP IAM member, binding or policy binding (`role`, `members`, the
//!   project/folder/organization it is bound at) and an Azure role assignment (role and scope).
//! - `cloud-role`: an Azure custom role's actions.
//! - `static-credential`: long-lived keys created (`aws_iam_access_key`,
//!   `google_service_account_key`, Azure AD passwords) and literal keys in provider blocks.

use std::collections::BTreeMap;

use super::hcl::{self, Block};
use super::iam::{self, Statement};
use super::{json_in, managed_policies, text_attrs};
use crate::analyzers::yaml::{Node, Value as YValue};
use crate::analyzers::{Fact, Value};

pub fn facts(text: &str) -> Result<Vec<Fact>, String> {
    let blocks = hcl::parse(text)?;
    let mut out = Vec::new();
    for b in &blocks {
        let address = b.address();
        match (b.kind.as_str(), b.type_name()) {
            ("data", "aws_iam_policy_document") => {
                for s in b.blocks("statement") {
                    out.push(iam::fact(&address, "terraform", document_statement(s)));
                }
            }
            ("data", "google_iam_policy") => {
                for bind in b.blocks("binding") {
                    let role = str_of(bind.attr("role"));
                    let key = format!("{address}[{role}]");
                    out.extend(gcp_grant(&key, "policy", bind, bind.span));
                }
            }
            ("provider", _) => out.extend(provider_keys(b, &address)),
            _ => {}
        }
        if b.kind == "resource" {
            out.extend(resource(b, &address, text));
        }
        // (a VPC endpoint's policy limits what passes through it; it grants nothing)
        let endpoint = matches!(
            b.type_name(),
            "aws_vpc_endpoint" | "aws_vpc_endpoint_policy"
        );
        if !endpoint && matches!(b.kind.as_str(), "resource" | "module" | "locals" | "data") {
            documents(b, &address, text, &mut out);
        }
    }
    Ok(out)
}

fn str_of(n: Option<&Node>) -> String {
    n.and_then(Node::str).unwrap_or_default().to_string()
}

/// Every policy document among a block's attributes (and those of its nested blocks, such
/// as `inline_policy`), and every AWS managed policy it names.
fn documents(b: &Block, address: &str, text: &str, out: &mut Vec<Fact>) {
    for a in &b.attrs {
        let id = match (b.kind.as_str(), a.name.as_str()) {
            ("locals", n) => format!("local.{n}"),
            (_, "policy") => address.to_string(),
            (_, n) => format!("{address}.{n}"),
        };
        let doc = match &a.value.value {
            YValue::Map(_) => Some(a.value.clone()),
            YValue::Str(_, true) => json_in(&a.value, text),
            _ => None,
        };
        if let Some(doc) = doc.filter(|d| d.get("Statement").is_some()) {
            for s in iam::statements(&doc) {
                out.push(iam::fact(&id, "terraform", s));
            }
        }
        out.extend(managed_policies(&a.value, address));
    }
    for inner in &b.blocks {
        let id = format!("{address}.{}", inner.kind);
        documents(inner, &id, text, out);
    }
}

/// A statement block of `aws_iam_policy_document`.
fn document_statement(s: &Block) -> Statement {
    let strs = |n: &str| s.attr(n).map(iam::strings).unwrap_or_default();
    let mut st = Statement {
        sid: str_of(s.attr("sid")),
        effect: s
            .attr("effect")
            .and_then(Node::str)
            .unwrap_or("Allow")
            .to_string(),
        span: s.span,
        ..Statement::default()
    };
    for (attr, not) in [("actions", false), ("not_actions", true)] {
        if let Some(v) = s.attr(attr) {
            st.actions = strs(attr);
            st.not_action = not;
            st.span = v.span;
        }
    }
    for (attr, not) in [("resources", false), ("not_resources", true)] {
        if let Some(v) = s.attr(attr) {
            st.resources = strs(attr);
            st.not_resource = not;
            st.has_resource = true;
            st.related.push(v.span);
        }
    }
    for (kind, not) in [("principals", false), ("not_principals", true)] {
        for p in s.blocks(kind) {
            let t = str_of(p.attr("type"));
            for id in p.attr("identifiers").map(iam::strings).unwrap_or_default() {
                st.principals
                    .push(if id == "*" { id } else { format!("{t}:{id}") });
            }
            st.not_principal = not;
            st.related.push(p.span);
        }
    }
    let conditions: Vec<String> = s
        .blocks("condition")
        .map(|c| format!("{} {}", str_of(c.attr("test")), str_of(c.attr("variable"))))
        .collect();
    st.condition = conditions.join(", ");
    if let Some(c) = s.blocks("condition").next() {
        st.related.push(c.span);
    }
    if let Some(e) = s.attr("effect") {
        st.related.push(e.span);
    }
    st.related.push(s.span);
    st
}

fn fact(kind: &'static str, key: Vec<String>, attrs: BTreeMap<String, Value>, b: &Block) -> Fact {
    Fact {
        kind,
        key,
        attrs,
        span: b.span,
        related: vec![b.span],
    }
}

/// The facts of one `resource` block by its type.
fn resource(b: &Block, address: &str, text: &str) -> Vec<Fact> {
    let t = b.type_name();
    let mut out = Vec::new();
    let head = b.head(text);
    let created = |what: &str| {
        let mut attrs = text_attrs(&[("what", what), ("resource", address)]);
        attrs.insert("risks".into(), Value::List(vec!["created-key".into()]));
        Fact {
            kind: "static-credential",
            key: vec![address.to_string()],
            attrs,
            span: head,
            related: vec![b.span],
        }
    };
    match t {
        "aws_iam_access_key" => out.push(created("an AWS access key")),
        "aws_iam_user_login_profile" => out.push(created("an AWS console password")),
        "google_service_account_key" => out.push(created("a GCP service-account key")),
        "azuread_application_password" | "azuread_service_principal_password" => {
            out.push(created("an Azure AD client secret"))
        }
        "azuread_application_certificate" | "azuread_service_principal_certificate" => {
            out.push(created("an Azure AD client certificate"))
        }
        _ if t.starts_with("google_")
            && (t.ends_with("_iam_member") || t.ends_with("_iam_binding")) =>
        {
            let scope = if t.starts_with("google_project_") {
                "project"
            } else if t.starts_with("google_folder_") {
                "folder"
            } else if t.starts_with("google_organization_") {
                "organization"
            } else {
                "resource"
            };
            out.extend(gcp_grant(address, scope, b, head));
        }
        // a dataset's `access` blocks grant roles too, `special_group` to everyone
        "google_bigquery_dataset" => {
            for (i, a) in b.blocks("access").enumerate() {
                let group = str_of(a.attr("special_group"));
                let member = str_of(a.attr("iam_member"));
                let public = [group.as_str(), member.as_str()]
                    .iter()
                    .find(|m| matches!(**m, "allUsers" | "allAuthenticatedUsers"))
                    .map(|m| m.to_string());
                let Some(who) = public else { continue };
                let mut attrs = text_attrs(&[
                    ("provider", "gcp"),
                    ("role", &str_of(a.attr("role"))),
                    ("scope", "resource"),
                    ("resource", address),
                ]);
                attrs.insert("members".into(), Value::List(vec![who]));
                attrs.insert("risks".into(), Value::List(vec!["public".into()]));
                out.push(Fact {
                    kind: "cloud-grant",
                    key: vec![format!("{address}.access[{i}]")],
                    attrs,
                    span: a.span,
                    related: Vec::new(),
                });
            }
        }
        "azurerm_role_assignment" => {
            let role = match (b.attr("role_definition_name"), b.attr("role_definition_id")) {
                (Some(n), _) => n.str().unwrap_or_default().to_string(),
                (None, Some(id)) => id.str().unwrap_or_default().to_string(),
                _ => String::new(),
            };
            let scope_text = str_of(b.attr("scope"));
            let scope = azure_scope(&scope_text);
            let privileged = matches!(
                role.as_str(),
                "Owner" | "Contributor" | "User Access Administrator"
            );
            let mut risks = Vec::new();
            if privileged && matches!(scope, "subscription" | "management-group" | "tenant") {
                risks.push("privileged-role".to_string());
            }
            let mut attrs = text_attrs(&[
                ("provider", "azure"),
                ("role", &role),
                ("scope", scope),
                ("scope-text", &scope_text),
                ("resource", address),
                ("members", &str_of(b.attr("principal_id"))),
            ]);
            attrs.insert("risks".into(), Value::List(risks));
            let mut f = fact("cloud-grant", vec![address.to_string()], attrs, b);
            f.span = b.attr("role_definition_name").map_or(head, |n| n.span);
            f.related = b.attr("scope").map(|n| n.span).into_iter().collect();
            out.push(f);
        }
        "azurerm_role_definition" => {
            let mut actions = Vec::new();
            let mut span = head;
            for p in b.blocks("permissions") {
                if let Some(a) = p.attr("actions") {
                    actions.extend(iam::strings(a));
                    span = a.span;
                }
            }
            let risks: Vec<String> = if actions.iter().any(|a| a == "*") {
                vec!["all-actions".into()]
            } else {
                Vec::new()
            };
            let scope_text = str_of(b.attr("scope"));
            let mut attrs = text_attrs(&[
                ("provider", "azure"),
                ("role", &str_of(b.attr("name"))),
                ("scope", azure_scope(&scope_text)),
                ("resource", address),
            ]);
            attrs.insert("actions".into(), Value::List(actions));
            attrs.insert("risks".into(), Value::List(risks));
            let mut f = fact("cloud-role", vec![address.to_string()], attrs, b);
            f.span = span;
            out.push(f);
        }
        _ => {}
    }
    out
}

/// The scope an Azure role assignment names: a literal path, or a reference whose name says
/// what it is (`data.azurerm_subscription.primary.id`).
fn azure_scope(s: &str) -> &'static str {
    let low = s.to_lowercase();
    if low.contains("resourcegroups/") || low.contains("azurerm_resource_group") {
        "resource-group"
    } else if low.contains("managementgroups/") || low.contains("management_group") {
        "management-group"
    } else if low.contains("/providers/") {
        "resource"
    } else if low.starts_with("/subscriptions/") || low.contains("azurerm_subscription") {
        "subscription"
    } else if low == "/" {
        "tenant"
    } else {
        "unknown"
    }
}

/// A GCP IAM member or binding (or a binding of a `google_iam_policy`).
fn gcp_grant(address: &str, scope: &str, b: &Block, at: (usize, usize)) -> Option<Fact> {
    let role = str_of(b.attr("role"));
    let mut members: Vec<String> = Vec::new();
    for m in ["member", "members"] {
        if let Some(v) = b.attr(m) {
            members.extend(iam::strings(v));
        }
    }
    let mut risks = Vec::new();
    let basic = matches!(role.as_str(), "roles/owner" | "roles/editor");
    if basic && scope != "resource" {
        risks.push("basic-role".to_string());
    }
    if matches!(
        role.as_str(),
        "roles/iam.serviceAccountUser"
            | "roles/iam.serviceAccountTokenCreator"
            | "roles/iam.securityAdmin"
            | "roles/resourcemanager.projectIamAdmin"
            | "roles/resourcemanager.organizationAdmin"
    ) && scope != "resource"
    {
        risks.push("privileged-role".to_string());
    }
    if members
        .iter()
        .any(|m| m == "allUsers" || m == "allAuthenticatedUsers")
    {
        risks.push("public".to_string());
    }
    let mut attrs = text_attrs(&[
        ("provider", "gcp"),
        ("role", &role),
        ("scope", scope),
        ("resource", address),
    ]);
    attrs.insert("members".into(), Value::List(members));
    attrs.insert("risks".into(), Value::List(risks));
    let span = b.attr("role").map_or(at, |n| n.span);
    let related = ["members", "member"]
        .iter()
        .filter_map(|m| b.attr(m).map(|n| n.span))
        .collect();
    Some(Fact {
        kind: "cloud-grant",
        key: vec![address.to_string()],
        attrs,
        span,
        related,
    })
}

/// Literal keys in a provider block (a variable or an environment's credentials are not
/// static keys in the code).
fn provider_keys(b: &Block, address: &str) -> Vec<Fact> {
    let name = b.labels.first().map_or("", String::as_str);
    let attrs: &[&str] = match name {
        "aws" => &["access_key", "secret_key", "token"],
        "azurerm" | "azuread" => &["client_secret", "client_certificate_password"],
        "google" | "google-beta" => &["credentials", "access_token"],
        _ => &[],
    };
    let mut out = Vec::new();
    for &a in attrs {
        let Some(v) = b.attr(a) else { continue };
        let (what, literal) = match &v.value {
            YValue::Str(s, true) if !s.contains("${") && !s.is_empty() => ("a literal key", true),
            YValue::Str(s, false) if s.starts_with("file(") => ("a key file read from disk", false),
            _ => continue,
        };
        let mut attrs = text_attrs(&[
            ("what", what),
            ("resource", address),
            ("attribute", a),
            ("literal", if literal { "true" } else { "false" }),
        ]);
        attrs.insert("risks".into(), Value::List(vec!["provider-key".into()]));
        // a literal's value is the secret (the engine masks it): the finding is on its bytes
        let span = if literal {
            (v.span.0 + 1, v.span.1.saturating_sub(1).max(v.span.0 + 1))
        } else {
            v.span
        };
        out.push(Fact {
            kind: "static-credential",
            key: vec![address.to_string(), a.to_string()],
            attrs,
            span,
            related: vec![v.span],
        });
    }
    out
}
