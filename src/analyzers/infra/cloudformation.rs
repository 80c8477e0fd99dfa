//! CloudFormation (and SAM) templates, JSON or YAML: the policy documents of `AWS::IAM::*`
//! and resource-policy resources (`PolicyDocument`, `AssumeRolePolicyDocument`, `Policies`,
//! `KeyPolicy`, anywhere under a resource's `Properties`), the AWS managed policies they
//! attach (`ManagedPolicyArns`, SAM's `Policies: [AdministratorAccess]`), and access keys
//! created (`AWS::IAM::AccessKey`). A policy's identity is its resource's logical id and the
//! property path to it (with a `PolicyName` when it has one), never a line.

use super::iam;
use super::{managed_policies, managed_policy, text_attrs};
use crate::analyzers::yaml::{Node, Value as YValue};
use crate::analyzers::{Fact, Value};

/// Whether a parsed document is a template: it says so, or its resources have AWS types.
pub fn is_template(root: &Node) -> bool {
    root.get("AWSTemplateFormatVersion").is_some()
        || root.get("Resources").is_some_and(|r| {
            r.entries().iter().any(|(_, res)| {
                res.get("Type")
                    .and_then(Node::str)
                    .is_some_and(|t| t.starts_with("AWS::"))
            })
        })
}

pub fn facts(root: &Node) -> Vec<Fact> {
    let mut out = Vec::new();
    let Some(resources) = root.get("Resources") else {
        return out;
    };
    for (id, res) in resources.entries() {
        let Some(id) = id.str() else { continue };
        let ty = res.get("Type").and_then(Node::str).unwrap_or_default();
        let Some(props) = res.get("Properties") else {
            continue;
        };
        // An endpoint policy limits what may pass through a VPC endpoint: `Principal: *` is
        // how it is written, and it grants nothing by itself.
        if ty == "AWS::EC2::VPCEndpoint" {
            continue;
        }
        if ty == "AWS::IAM::AccessKey" {
            let mut attrs = text_attrs(&[("what", "an AWS access key"), ("resource", id)]);
            attrs.insert("risks".into(), Value::List(vec!["created-key".into()]));
            out.push(Fact {
                kind: "static-credential",
                key: vec![id.to_string()],
                attrs,
                span: res.span,
                related: Vec::new(),
            });
        }
        walk(props, id, &mut out);
        out.extend(managed_policies(props, id));
        // SAM names managed policies by their bare name
        if ty == "AWS::Serverless::Function" {
            for p in props.get("Policies").map(Node::items).unwrap_or_default() {
                if let Some(name) = p.str() {
                    out.extend(managed_policy(name, id, p.span));
                }
            }
        }
    }
    out
}

/// Every policy document under `n`, named by its path from the resource.
fn walk(n: &Node, path: &str, out: &mut Vec<Fact>) {
    match &n.value {
        YValue::Map(entries) => {
            if n.get("Statement").is_some() {
                for s in iam::statements(n) {
                    out.push(iam::fact(path, "cloudformation", s));
                }
                return;
            }
            for (k, v) in entries {
                let Some(k) = k.str() else { continue };
                walk(v, &format!("{path}.{k}"), out);
            }
        }
        YValue::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                // (a name built with `!Sub` is named by its template)
                let name = item
                    .get("PolicyName")
                    .and_then(|p| iam::strings(p).into_iter().next())
                    .map_or_else(|| format!("[{i}]"), |p| format!("[{p}]"));
                walk(item, &format!("{path}{name}"), out);
            }
        }
        YValue::Str(..) => {}
    }
}
