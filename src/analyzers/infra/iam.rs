//! AWS IAM policy statements, wherever a policy document is written (a JSON file, a
//! CloudFormation template, a Terraform `jsonencode`, heredoc or `aws_iam_policy_document`),
//! as `policy-statement` facts with the judgements a rule must not get wrong: every action,
//! a wildcard on a sensitive service, writes on every resource, privilege-escalation actions,
//! a public principal, `NotAction`/`NotResource` with Allow. Across a change, a statement's
//! actions, resources and principals are compared as IAM matches them (`*` and `?` wildcards,
//! actions without regard to case), so `s3:GetObject` → `s3:*` is broadened and the reverse is
//! not.
//!
//! Sources of the lists below (facts, not code): the sensitive services and privilege-escalation
//! actions follow the AWS IAM documentation and the public catalogue of IAM privilege
//! escalation methods published by Rhino Security Labs (2018, "AWS IAM Privilege Escalation –
//! Methods and Mitigation").

use std::collections::BTreeMap;

use crate::analyzers::yaml::{Node, Value as YValue};
use crate::analyzers::{Fact, Value};

/// Services where `service:*` is itself a grant of power over identities, keys, secrets or
/// data.
const SENSITIVE_SERVICES: &[&str] = &[
    "iam",
    "sts",
    "kms",
    "s3",
    "secretsmanager",
    "ec2",
    "lambda",
    "organizations",
    "ssm",
    "dynamodb",
    "rds",
    "cloudformation",
    "ecr",
    "eks",
];

/// Actions that let their holder grant itself more than the statement says (on a broad
/// resource).
const ESCALATION: &[&str] = &[
    "iam:PassRole",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:AddUserToGroup",
    "iam:UpdateAssumeRolePolicy",
    "sts:AssumeRole",
    "lambda:UpdateFunctionCode",
    "glue:UpdateDevEndpoint",
];

/// Read actions whose grant on every resource reads the account's data and secrets, and
/// actions that return credentials. Lists from cloudsplaining (salesforce/cloudsplaining,
/// `shared/constants.py`, MIT licence), as facts.
const DATA_READ: &[&str] = &[
    "s3:GetObject",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "secretsmanager:GetSecretValue",
    "rds:CopyDBSnapshot",
    "rds:CreateDBSnapshot",
];
const RETURN_CREDENTIALS: &[&str] = &[
    "airflow:createclitoken",
    "airflow:createweblogintoken",
    "appsync:createapikey",
    "chime:createapikey",
    "cloud9:createenvironmenttoken",
    "codeartifact:getauthorizationtoken",
    "codepipeline:pollforjobs",
    "cognito-identity:getopenidtoken",
    "cognito-identity:getopenidtokenfordeveloperidentity",
    "cognito-identity:getcredentialsforidentity",
    "cognito-idp:getsigningcertificate",
    "connect:getfederationtoken",
    "connect:getfederationtokens",
    "ec2:getpassworddata",
    "ecr-public:getauthorizationtoken",
    "emr-containers:getmanagedendpointsessioncredentials",
    "finspace-api:getprogrammaticaccesscredentials",
    "gamelift:requestuploadcredentials",
    "gamelift:getinstanceaccess",
    "grafana:createworkspaceapikey",
    "iam:createaccesskey",
    "iam:createloginprofile",
    "iam:createservicespecificcredential",
    "iam:resetservicespecificcredential",
    "iam:updateaccesskey",
    "license-manager:getaccesstoken",
    "lightsail:getinstanceaccessdetails",
    "lightsail:downloaddefaultkeypair",
    "lightsail:createbucketaccesskey",
    "lightsail:getrelationaldatabasemasteruserpassword",
    "mediapackage:rotatechannelcredentials",
    "mediapackage:rotateingestendpointcredentials",
    "rds-db:connect",
    "redshift:getclustercredentials",
    "redshift:getclustercredentialswithiam",
    "redshift-serverless:getcredentials",
    "sso:getrolecredentials",
    "sts:assumerole",
    "sts:assumerolewithsaml",
    "sts:assumerolewithwebidentity",
    "sts:getfederationtoken",
    "sts:getsessiontoken",
];

/// Verbs of actions that only read.
const READ_VERBS: &[&str] = &[
    "get",
    "list",
    "describe",
    "head",
    "view",
    "read",
    "lookup",
    "search",
    "query",
    "scan",
    "batchget",
    "batchcheck",
    "check",
    "validate",
    "test",
    "simulate",
    "estimate",
    "preview",
    "select",
    "download",
];

/// Write actions for which the AWS Service Authorization Reference lists no resource type:
/// `Resource: "*"` is how they are granted, not a broad grant. Also the SSM agent's own
/// registration call, which AWS's managed `AmazonSSMManagedInstanceCore` grants on `*` and
/// every instance template copies (a trial on real commits found it was noise on every
/// template that adds an instance role).
const UNSCOPABLE_WRITES: &[&str] = &[
    "ssm:updateinstanceinformation",
    "cloudwatch:putmetricdata",
    "xray:puttracesegments",
    "xray:puttelemetryrecords",
    "ecr:getauthorizationtoken",
    "sts:getcalleridentity",
    "ssmmessages:*",
    "ec2messages:*",
    "ecs:discoverpollendpoint",
    "ecs:createcluster",
    "ecs:registertaskdefinition",
    "ecs:deregistertaskdefinition",
    "iam:updateaccountpasswordpolicy",
    "iam:deleteaccountpasswordpolicy",
];

/// One statement as read from any format.
#[derive(Debug, Clone, Default)]
pub struct Statement {
    pub sid: String,
    pub effect: String,
    pub actions: Vec<String>,
    pub not_action: bool,
    pub resources: Vec<String>,
    pub not_resource: bool,
    pub has_resource: bool,
    pub principals: Vec<String>,
    pub not_principal: bool,
    /// The condition, as text for the message ("" for none).
    pub condition: String,
    /// Where the statement says what it allows: its actions, else the statement itself.
    pub span: (usize, usize),
    /// Its effect, resources, principal, condition and whole block.
    pub related: Vec<(usize, usize)>,
}

/// The strings of a policy element: a string, each string of a list, and a CloudFormation
/// intrinsic (`{"Fn::Sub": "arn:…"}`, `{"Ref": "X"}`) as the string it stands for.
pub fn strings(n: &Node) -> Vec<String> {
    match &n.value {
        YValue::Str(s, _) => vec![s.clone()],
        YValue::Seq(items) => items.iter().flat_map(strings).collect(),
        YValue::Map(m) => match m.first() {
            Some((k, v)) => match (k.str(), v.str()) {
                (Some("Fn::Sub"), _) => strings(v).into_iter().take(1).collect(),
                (Some("Ref"), Some(r)) => vec![format!("${{{r}}}")],
                // `{"Fn::Join": ["", ["arn:aws:iam::", {"Ref": "AWS::AccountId"}, ":root"]]}`
                (Some("Fn::Join"), _) => match v.items() {
                    [sep, parts] => vec![parts
                        .items()
                        .iter()
                        .map(|p| strings(p).join(""))
                        .collect::<Vec<_>>()
                        .join(sep.str().unwrap_or_default())],
                    _ => vec!["<Fn::Join>".to_string()],
                },
                (Some(f), _) => vec![format!("<{f}>")],
                _ => Vec::new(),
            },
            None => Vec::new(),
        },
    }
}

/// The principals of a `Principal` element: `*`, or `AWS:arn…`, `Service:…` per entry.
fn principals(n: &Node) -> Vec<String> {
    match &n.value {
        YValue::Map(m) => m
            .iter()
            .flat_map(|(k, v)| {
                let k = k.str().unwrap_or_default().to_string();
                strings(v)
                    .into_iter()
                    .map(move |s| if s == "*" { s } else { format!("{k}:{s}") })
            })
            .collect(),
        _ => strings(n),
    }
}

/// The statements of a policy document node (a map with `Statement`, one statement or a
/// list).
pub fn statements(doc: &Node) -> Vec<Statement> {
    let Some(st) = doc.get("Statement") else {
        return Vec::new();
    };
    let list: Vec<&Node> = match &st.value {
        YValue::Seq(items) => items.iter().collect(),
        YValue::Map(_) => vec![st],
        YValue::Str(..) => Vec::new(),
    };
    list.into_iter().filter_map(statement).collect()
}

fn statement(n: &Node) -> Option<Statement> {
    if n.entries().is_empty() {
        return None;
    }
    let mut s = Statement {
        effect: "Allow".into(),
        span: n.span,
        ..Statement::default()
    };
    let mut related = Vec::new();
    for (k, v) in n.entries() {
        match k.str().unwrap_or_default() {
            "Sid" => s.sid = v.str().unwrap_or_default().to_string(),
            "Effect" => {
                s.effect = v.str().unwrap_or("Allow").to_string();
                related.push(v.span);
            }
            key @ ("Action" | "NotAction") => {
                s.actions = strings(v);
                s.not_action = key == "NotAction";
                s.span = v.span;
            }
            key @ ("Resource" | "NotResource") => {
                s.resources = strings(v);
                s.not_resource = key == "NotResource";
                s.has_resource = true;
                related.push(v.span);
            }
            key @ ("Principal" | "NotPrincipal") => {
                s.principals = principals(v);
                s.not_principal = key == "NotPrincipal";
                related.push(v.span);
            }
            "Condition" => {
                s.condition = condition_text(v);
                related.push(k.span);
            }
            _ => {}
        }
    }
    related.push(n.span);
    s.related = related;
    // a CloudFormation stack policy (`Update:*` on logical ids) grants no one anything
    if !s.actions.is_empty() && s.actions.iter().all(|a| a.starts_with("Update:")) {
        return None;
    }
    Some(s)
}

/// A condition in short: `StringEquals aws:SourceVpc`.
fn condition_text(n: &Node) -> String {
    let parts: Vec<String> = n
        .entries()
        .iter()
        .flat_map(|(op, keys)| {
            let op = op.str().unwrap_or_default().to_string();
            keys.entries()
                .iter()
                .map(move |(k, _)| format!("{op} {}", k.str().unwrap_or_default()))
                .collect::<Vec<_>>()
        })
        .collect();
    if parts.is_empty() {
        "a condition".into()
    } else {
        parts.join(", ")
    }
}

/// Whether IAM pattern `pat` matches `s` (`*` any run, `?` one character).
pub fn glob(pat: &str, s: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pat.chars().collect(), s.chars().collect());
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Whether some pattern of `old` grants everything pattern `new` grants (`new` is itself a
/// pattern: `s3:Get*` is covered by `s3:*`, not by `s3:GetObject`).
fn covered(old: &[String], new: &str, fold: bool) -> bool {
    let n = if fold {
        new.to_lowercase()
    } else {
        new.to_string()
    };
    old.iter().any(|o| {
        let o = if fold { o.to_lowercase() } else { o.clone() };
        o == n || (glob(&o, &n) && (!n.contains('*') || o.ends_with('*')))
    })
}

fn all_actions(a: &str) -> bool {
    a == "*" || a == "*:*"
}

/// A resource that names everything of its kind: `*`, `arn:aws:iam::*:role/*`, `…:*`.
fn broad_resource(r: &str) -> bool {
    let rest = r.splitn(6, ':').nth(5).unwrap_or(r);
    r == "*" || rest == "*" || rest.ends_with("/*") && !rest[..rest.len() - 2].contains('/')
}

fn is_write(action: &str) -> bool {
    let Some((_, verb)) = action.split_once(':') else {
        return false;
    };
    let verb = verb.to_lowercase();
    let action = action.to_lowercase();
    !READ_VERBS.iter().any(|r| verb.starts_with(r))
        && !UNSCOPABLE_WRITES.iter().any(|u| glob(u, &action))
}

/// The judgements of one statement: its risks and the actions behind them.
struct Judged {
    risks: Vec<&'static str>,
    service_wildcards: Vec<String>,
    escalation: Vec<String>,
    writes: Vec<String>,
    /// Data and secrets read on every resource; actions that return credentials.
    reads: Vec<String>,
    credentials: Vec<String>,
}

fn judge(s: &Statement) -> Judged {
    let mut j = Judged {
        risks: Vec::new(),
        service_wildcards: Vec::new(),
        escalation: Vec::new(),
        writes: Vec::new(),
        reads: Vec::new(),
        credentials: Vec::new(),
    };
    if !s.effect.eq_ignore_ascii_case("allow") {
        return j;
    }
    let any_resource = s.resources.iter().any(|r| r == "*");
    // (a trust or resource policy names who may act, not what an identity may do)
    let identity = s.principals.is_empty() && !s.not_principal;
    let broad = identity && s.resources.iter().any(|r| broad_resource(r));
    // A resource policy whose principal is an account (`…:root`) hands the decision to that
    // account's IAM policies (the default key policy's `kms:*` to the account): not a grant
    // of its own.
    let to_account = !s.principals.is_empty()
        && s.principals
            .iter()
            .all(|p| p.ends_with(":root") || p.trim_start_matches("AWS:").len() == 12);
    if s.not_action {
        j.risks.push("not-action");
    } else if !to_account {
        let every = s.actions.iter().any(|a| all_actions(a));
        if every && (any_resource || !s.has_resource) {
            j.risks.push("admin");
        } else if every {
            j.risks.push("all-actions");
        }
        for a in &s.actions {
            let low = a.to_lowercase();
            if let Some((svc, "*")) = low.split_once(':') {
                if SENSITIVE_SERVICES.contains(&svc) {
                    j.service_wildcards.push(a.clone());
                }
            }
            if broad && !every {
                for e in ESCALATION {
                    if glob(&low, &e.to_lowercase())
                        && !j.escalation.iter().any(|x| x.eq_ignore_ascii_case(e))
                    {
                        j.escalation.push(e.to_string());
                    }
                }
            }
            // (a condition, such as a required tag, scopes what `*` reaches)
            let scoped = !s.condition.is_empty();
            // (`iam:*` is its own finding; `es:*` on every resource is writes on every resource)
            let sensitive_wildcard = j.service_wildcards.last() == Some(a);
            if identity && any_resource && !scoped && !every && is_write(a) && !sensitive_wildcard {
                j.writes.push(a.clone());
            }
            let open = identity && any_resource && !scoped && !every;
            for (list, out) in [
                (DATA_READ, &mut j.reads),
                (RETURN_CREDENTIALS, &mut j.credentials),
            ] {
                for x in list
                    .iter()
                    .filter(|x| open && glob(&low, &x.to_lowercase()))
                {
                    // (named as the policy writes it when it names it)
                    let name = if a.eq_ignore_ascii_case(x) {
                        a.as_str()
                    } else {
                        x
                    };
                    if !j.escalation.iter().any(|e| e.eq_ignore_ascii_case(x))
                        && !out.iter().any(|o: &String| o.eq_ignore_ascii_case(x))
                    {
                        out.push(name.to_string());
                    }
                }
            }
        }
        if !j.service_wildcards.is_empty() && !every {
            j.risks.push("service-wildcard");
        }
        if !j.escalation.is_empty() {
            j.risks.push("escalation");
        }
        if !j.writes.is_empty() {
            j.risks.push("write-any-resource");
        }
        if !j.reads.is_empty() {
            j.risks.push("data-read-any-resource");
        }
        if !j.credentials.is_empty() {
            j.risks.push("credentials-any-resource");
        }
    }
    if s.not_resource {
        j.risks.push("not-resource");
    }
    let public = s.principals.iter().any(|p| p == "*" || p == "AWS:*");
    if public && !s.not_principal && s.condition.is_empty() {
        j.risks.push("public");
    }
    j
}

/// At most `n` items, then "and K more".
fn listed(items: &[String], n: usize) -> String {
    if items.len() <= n {
        items.join(", ")
    } else {
        format!("{}, and {} more", items[..n].join(", "), items.len() - n)
    }
}

/// What a statement allows, in short: `s3:GetObject on arn:aws:s3:::b/* when StringEquals x`.
fn summary(s: &Statement) -> String {
    let what = if s.actions.is_empty() {
        "no action".to_string()
    } else if s.not_action {
        format!("every action but {}", listed(&s.actions, 3))
    } else {
        listed(&s.actions, 3)
    };
    let mut out = format!("{} {what}", s.effect);
    if s.has_resource {
        if s.not_resource {
            out.push_str(&format!(
                " on every resource but {}",
                listed(&s.resources, 2)
            ));
        } else {
            out.push_str(&format!(" on {}", listed(&s.resources, 2)));
        }
    }
    if !s.principals.is_empty() {
        out.push_str(&format!(" to {}", listed(&s.principals, 2)));
    }
    if !s.condition.is_empty() {
        out.push_str(&format!(" when {}", s.condition));
    }
    out
}

/// The `policy-statement` fact of a statement of `policy` (its address), written in
/// `format` (json, cloudformation, terraform).
pub fn fact(policy: &str, format: &str, s: Statement) -> Fact {
    let j = judge(&s);
    let mut attrs = BTreeMap::new();
    let mut text = |k: &str, v: String| {
        attrs.insert(k.to_string(), Value::Text(v));
    };
    text("policy", policy.to_string());
    text("format", format.to_string());
    text("sid", s.sid.clone());
    text("effect", s.effect.clone());
    text("condition", s.condition.clone());
    text("now", summary(&s));
    text("not-action", s.not_action.to_string());
    text("not-resource", s.not_resource.to_string());
    let mut list = |k: &str, v: Vec<String>| {
        attrs.insert(k.to_string(), Value::List(v));
    };
    list("actions", s.actions.clone());
    list("resources", s.resources.clone());
    list("principals", s.principals.clone());
    list("risks", j.risks.iter().map(|r| r.to_string()).collect());
    list("service-wildcards", j.service_wildcards);
    list("escalation", j.escalation);
    list("writes", j.writes);
    list("reads", j.reads);
    list("credential-actions", j.credentials);
    Fact {
        kind: "policy-statement",
        key: vec![policy.to_string(), s.sid.clone()],
        attrs,
        span: s.span,
        related: s.related,
    }
}

/// A value Terraform or CloudFormation computes (`var.x`, `local.name`, `${AWS::Partition}`
/// alone): unknown here, so never a broadening by itself.
fn unresolved(v: &str) -> bool {
    // (a principal is `Type:value`)
    let v = match v.split_once(':') {
        Some((t, rest)) if t.chars().all(|c| c.is_ascii_alphabetic()) && !rest.is_empty() => rest,
        _ => v,
    };
    let refs = [
        "var.", "local.", "data.", "module.", "each.", "aws_", "google_", "azurerm_",
    ];
    let call = v.split_once('(').is_some_and(|(f, _)| {
        !f.is_empty() && f.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    });
    refs.iter().any(|r| v.starts_with(r))
        || (v.starts_with("${") && v.ends_with('}') && v.matches("${").count() == 1)
        // a call or a conditional of Terraform: `coalesce(…)`, `var.x ? a : b`
        || v.contains(" ? ")
        || call
}

/// `arn:${local.partition}:s3:::b` as a pattern (`arn:*:s3:::b`): its interpolations stand for
/// any text.
fn as_pattern(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        out.push('*');
        rest = rest[i..].find('}').map_or("", |e| &rest[i + e + 1..]);
    }
    out.push_str(rest);
    out
}

/// The entries of `new` that `old` does not grant: each matched as IAM matches it, and a
/// rewrite of an unresolved part (`arn:aws:` → `arn:${local.partition}:`, a renamed variable)
/// not counted.
fn beyond(old: &[String], new: &[String], fold: bool) -> Vec<String> {
    new.iter()
        .filter(|n| {
            if covered(old, n, fold) || unresolved(n) {
                return false;
            }
            let (pn, low) = (as_pattern(n), |x: &str| x.to_lowercase());
            let same = |o: &String| {
                let po = as_pattern(o);
                (pn != **n && glob(&low(&pn), &low(o))) || (po != *o && glob(&low(&po), &low(n)))
            };
            !old.iter().any(same)
        })
        .cloned()
        .collect()
}

/// What a change of a statement broadened, comparing its two sides as IAM matches them:
/// `actions`, `resources`, `principals`, `condition` (removed), `effect` (Deny → Allow); and
/// what it added (the new actions, resources and principals, `Condition removed`).
pub fn broadened(old: &Fact, new: &Fact) -> (Vec<String>, Vec<String>) {
    let (mut out, mut added) = (Vec::new(), Vec::new());
    if !new.text("effect").eq_ignore_ascii_case("allow") {
        return (out, added);
    }
    if !old.text("effect").eq_ignore_ascii_case("allow") {
        return (vec!["effect".to_string()], vec!["Deny → Allow".to_string()]);
    }
    let widened = |attr: &str, not_attr: &str, fold: bool, added: &mut Vec<String>| {
        let (o, n) = (old.list(attr), new.list(attr));
        let more = match (old.text(not_attr) == "true", new.text(not_attr) == "true") {
            (false, false) => beyond(o, n, fold),
            // every action but fewer than before: what is no longer excepted
            (true, true) => beyond(n, o, fold),
            (false, true) => vec![format!("every {} but {}", attr, listed(n, 3))],
            (true, false) => Vec::new(),
        };
        added.extend(more.iter().cloned());
        !more.is_empty()
    };
    if widened("actions", "not-action", true, &mut added) {
        out.push("actions".to_string());
    }
    if widened("resources", "not-resource", false, &mut added) {
        out.push("resources".to_string());
    }
    let more = beyond(old.list("principals"), new.list("principals"), false);
    if !more.is_empty() {
        out.push("principals".to_string());
        added.extend(more);
    }
    if !old.text("condition").is_empty() && new.text("condition").is_empty() {
        out.push("condition".to_string());
        added.push(format!("no condition (was {})", old.text("condition")));
    }
    (out, added)
}

/// Whether every grant of statement `n` was made by some Allow statement of `olds`, the old
/// statements of its policy: a statement split in two, merged, or an action moved from one
/// statement to another grants nothing new.
pub fn granted_by(olds: &[Fact], n: &Fact) -> bool {
    if !n.text("effect").eq_ignore_ascii_case("allow") {
        return true;
    }
    if n.text("not-action") == "true" || n.text("not-resource") == "true" {
        return false;
    }
    let resources = n.list("resources");
    let one = |a: &String, r: Option<&String>| {
        olds.iter().any(|o| {
            o.text("effect").eq_ignore_ascii_case("allow")
                && o.text("not-action") != "true"
                && o.text("not-resource") != "true"
                && (o.text("condition").is_empty() || o.text("condition") == n.text("condition"))
                && beyond(o.list("actions"), std::slice::from_ref(a), true).is_empty()
                && r.is_none_or(|r| {
                    beyond(o.list("resources"), std::slice::from_ref(r), false).is_empty()
                })
                && beyond(o.list("principals"), n.list("principals"), false).is_empty()
        })
    };
    !n.list("actions").is_empty()
        && n.list("actions").iter().all(|a| {
            if resources.is_empty() {
                one(a, None)
            } else {
                resources.iter().all(|r| one(a, Some(r)))
            }
        })
}

/// Whether what a change added to a statement only reads: new actions that all read, and no
/// new resource, principal or removed condition.
pub fn only_reads(broadened: &[String], new: &Fact, old: &Fact) -> bool {
    // (reading secrets or data is not a mere read: `secretsmanager:BatchGetSecretValue`)
    let before = old.list("actions");
    let sensitive = |a: &str| {
        let low = a.to_lowercase();
        low.contains("secret")
            || DATA_READ
                .iter()
                .any(|d| glob(&low, &d.to_lowercase()) && !covered(before, d, true))
    };
    broadened.iter().all(|b| b == "actions")
        && beyond(old.list("actions"), new.list("actions"), true)
            .iter()
            .all(|a| (!is_write(a) || a.ends_with(":Describe*")) && !sensitive(a))
}

/// Whether what a change added to a statement is more of what it did, where it did it: only
/// actions, of services the statement already wrote to, on resources it already named (none of
/// them `*`) or under its condition. `s3:PutObjectTagging` next to `s3:PutObject` on one
/// bucket.
pub fn same_kind_where_it_was(broadened: &[String], new: &Fact, old: &Fact) -> bool {
    // (the services it already *wrote* to: a write added to a read-only statement is new)
    let services: Vec<String> = old
        .list("actions")
        .iter()
        .filter(|a| is_write(a))
        .filter_map(|a| a.split_once(':').map(|(s, _)| s.to_lowercase()))
        .collect();
    let scoped =
        !new.list("resources").iter().any(|r| r == "*") || !new.text("condition").is_empty();
    broadened.iter().all(|b| b == "actions")
        && scoped
        && beyond(old.list("actions"), new.list("actions"), true)
            .iter()
            .all(|a| {
                let low = a.to_lowercase();
                // (destroying, or handing the resource to others, is not more of the same)
                let grave = ["delete", "remove", "terminate", "destroy"]
                    .iter()
                    .any(|v| low.split_once(':').is_some_and(|(_, x)| x.starts_with(v)))
                    || ["policy", "permission", "acl", "grant", "share"]
                        .iter()
                        .any(|w| low.contains(w));
                a.split_once(':')
                    .is_some_and(|(s, v)| services.contains(&s.to_lowercase()) && !v.contains('*'))
                    && !low.starts_with("iam:")
                    && !grave
            })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(actions: &[&str], resources: &[&str]) -> Statement {
        Statement {
            effect: "Allow".into(),
            actions: actions.iter().map(|s| s.to_string()).collect(),
            resources: resources.iter().map(|s| s.to_string()).collect(),
            has_resource: true,
            ..Statement::default()
        }
    }

    fn risks(s: Statement) -> Vec<String> {
        fact("p", "json", s).list("risks").to_vec()
    }

    #[test]
    fn wildcards_admin_escalation_and_writes() {
        assert_eq!(risks(st(&["*"], &["*"])), ["admin"]);
        assert_eq!(risks(st(&["*"], &["arn:aws:s3:::b"])), ["all-actions"]);
        assert_eq!(
            risks(st(&["iam:*"], &["arn:aws:s3:::b"])),
            ["service-wildcard"]
        );
        assert_eq!(
            risks(st(&["iam:PassRole"], &["*"])),
            ["escalation", "write-any-resource"]
        );
        assert_eq!(
            risks(st(&["iam:PassRole"], &["arn:aws:iam::1:role/app"])),
            Vec::<String>::new()
        );
        assert_eq!(
            risks(st(&["iam:PassRole"], &["arn:aws:iam::1:role/*"])),
            ["escalation"]
        );
        // the safe look-alikes
        assert!(risks(st(&["s3:GetObject", "s3:PutObject"], &["arn:aws:s3:::b/*"])).is_empty());
        assert!(risks(st(&["kms:Decrypt"], &["arn:aws:kms:eu-west-1:1:key/k"])).is_empty());
        assert!(risks(st(&["ec2:Describe*", "cloudwatch:PutMetricData"], &["*"])).is_empty());
        // log groups can be named; a service's every action on every resource is writes
        assert_eq!(
            risks(st(&["logs:PutLogEvents"], &["*"])),
            ["write-any-resource"]
        );
        assert_eq!(risks(st(&["es:*"], &["*"])), ["write-any-resource"]);
        assert_eq!(
            risks(st(&["s3:*"], &["*"])),
            ["service-wildcard", "data-read-any-resource"]
        );
        let mut deny = st(&["*"], &["*"]);
        deny.effect = "Deny".into();
        assert!(risks(deny).is_empty());
        let mut public = st(&["s3:GetObject"], &["arn:aws:s3:::b/*"]);
        public.principals = vec!["*".into()];
        assert_eq!(risks(public.clone()), ["public"]);
        public.condition = "StringEquals aws:SourceVpce".into();
        assert!(risks(public).is_empty());
    }

    #[test]
    fn broadened_as_iam_matches() {
        let f = |a: &[&str], r: &[&str]| fact("p", "json", st(a, r));
        let b = |o: &Fact, n: &Fact| broadened(o, n).0;
        assert_eq!(
            b(&f(&["s3:GetObject"], &["arn:b"]), &f(&["s3:*"], &["arn:b"])),
            ["actions"]
        );
        assert!(b(&f(&["s3:*"], &["arn:b"]), &f(&["s3:GetObject"], &["arn:b"])).is_empty());
        assert!(b(
            &f(&["S3:GetObject"], &["arn:b"]),
            &f(&["s3:getobject"], &["arn:b"])
        )
        .is_empty());
        assert_eq!(
            b(
                &f(&["s3:GetObject"], &["arn:b"]),
                &f(&["s3:GetObject"], &["*"])
            ),
            ["resources"]
        );
        assert_eq!(
            b(
                &f(&["s3:GetObject"], &["arn:b/x"]),
                &f(&["s3:Get*"], &["arn:b/*"])
            ),
            ["actions", "resources"]
        );
        let mut c = st(&["s3:GetObject"], &["arn:b"]);
        c.condition = "Bool aws:SecureTransport".into();
        assert_eq!(
            b(&fact("p", "json", c), &f(&["s3:GetObject"], &["arn:b"])),
            ["condition"]
        );
        // rewrites of what is computed elsewhere are not broader
        assert!(b(
            &f(&["s3:GetObject"], &["arn:aws:s3:::b/*"]),
            &f(&["s3:GetObject"], &["arn:${local.partition}:s3:::b/*"])
        )
        .is_empty());
        assert!(b(
            &f(&["s3:GetObject"], &["${var.bucket_arn}"]),
            &f(&["s3:GetObject"], &["${var.bucket}"])
        )
        .is_empty());
        assert!(b(
            &f(&["s3:GetObject"], &["arn:b"]),
            &f(&["s3:GetObject"], &["var.arns"])
        )
        .is_empty());
        let (what, added) = broadened(
            &f(&["s3:GetObject"], &["arn:b"]),
            &f(&["s3:GetObject", "s3:PutObject"], &["arn:b"]),
        );
        assert_eq!(
            (what, added),
            (
                vec!["actions".to_string()],
                vec!["s3:PutObject".to_string()]
            )
        );
    }

    #[test]
    fn globs() {
        assert!(glob("s3:*", "s3:getobject"));
        assert!(glob("s3:get*", "s3:getobject"));
        assert!(!glob("s3:get*", "s3:putobject"));
        assert!(glob("iam:*role*", "iam:passrole"));
        assert!(glob("a?c", "abc"));
    }
}
