//! Kubernetes manifests (every document of a multi-document file, and the items of a `List`):
//!
//! - `k8s-role` (Role, ClusterRole): what its rules grant, as `verb group/resource` pairs, and
//!   the risks: `*` verbs on `*` resources, `escalate`/`bind`/`impersonate`, reading secrets.
//! - `role-binding` (RoleBinding, ClusterRoleBinding): the role it binds, where (a namespace
//!   or the cluster) and to whom; `cluster-admin`, a wildcard role of the same file, or the
//!   unauthenticated groups as subjects.
//! - `pod-security` (per workload: Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
//!   CronJob, and anything with a pod template): the host's namespaces, dangerous `hostPath`
//!   volumes, a token mounted on purpose.
//! - `container-security` (per container, init containers too): privileged, privilege
//!   escalation, added capabilities, root, and the hardening in force (the container's
//!   security context over the pod's), so a change that takes hardening away is seen.
//!
//! Identities are the object's kind and name (a role or binding by name only, so that a
//! RoleBinding turned into a ClusterRoleBinding is the same binding moved to the cluster),
//! never the file or line: the engine joins them across the files of a change.

use std::collections::HashSet;

use super::text_attrs;
use crate::analyzers::yaml::Node;
use crate::analyzers::{Fact, Value};

/// Capabilities that hand a container its host, or the network's traffic.
pub(crate) const DANGEROUS_CAPS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "DAC_READ_SEARCH",
    "SYS_RAWIO",
    "BPF",
    "SYS_BOOT",
];

/// Host paths whose mount gives the host away: its root, its configuration, the container
/// runtime's socket, the kubelet's credentials.
const DANGEROUS_HOST_PATHS: &[&str] = &[
    "/",
    "/etc",
    "/root",
    "/home",
    "/proc",
    "/sys",
    "/boot",
    "/dev",
    "/var/run",
    "/run",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/etc/kubernetes",
];

/// Whether a document is a Kubernetes object (`apiVersion` and `kind`).
pub fn is_object(n: &Node) -> bool {
    n.get("apiVersion").is_some() && n.get("kind").and_then(Node::str).is_some()
}

pub fn facts(docs: &[Node]) -> Vec<Fact> {
    let mut objects: Vec<&Node> = Vec::new();
    for d in docs {
        if d.get("kind").and_then(Node::str) == Some("List") {
            objects.extend(d.get("items").map(Node::items).unwrap_or_default());
        } else if is_object(d) {
            objects.push(d);
        }
    }
    let mut out = Vec::new();
    let mut wildcard_roles = HashSet::new();
    for o in &objects {
        let kind = o.get("kind").and_then(Node::str).unwrap_or_default();
        if matches!(kind, "Role" | "ClusterRole") {
            let f = role(o, kind);
            if f.list("risks").iter().any(|r| r == "wildcard") {
                wildcard_roles.insert(f.text("name").to_string());
            }
            out.push(f);
        }
    }
    for o in &objects {
        let kind = o.get("kind").and_then(Node::str).unwrap_or_default();
        match kind {
            "RoleBinding" | "ClusterRoleBinding" => out.push(binding(o, kind, &wildcard_roles)),
            _ => {
                if let Some(spec) = pod_spec(o, kind) {
                    workload(o, kind, spec, &mut out);
                }
            }
        }
    }
    out
}

fn meta<'n>(o: &'n Node, key: &str) -> Option<&'n Node> {
    o.get("metadata").and_then(|m| m.get(key))
}

fn name_of(o: &Node) -> String {
    meta(o, "name")
        .and_then(Node::str)
        .unwrap_or_default()
        .to_string()
}

/// Where an object is named: its `metadata.name`, else its `kind`.
fn name_span(o: &Node) -> (usize, usize) {
    meta(o, "name")
        .or_else(|| o.get("kind"))
        .map_or(o.span, |n| n.span)
}

fn strs(n: Option<&Node>) -> Vec<String> {
    n.map(|n| {
        n.strings()
            .into_iter()
            .filter_map(|s| s.str().map(str::to_string))
            .collect()
    })
    .unwrap_or_default()
}

/// What a role and a binding say of themselves: kind, name, namespace, and their scope (a
/// `Cluster…` kind is the cluster's).
fn rbac_attrs(o: &Node, kind: &str, name: &str) -> std::collections::BTreeMap<String, Value> {
    let ns = meta(o, "namespace").and_then(Node::str).unwrap_or_default();
    let scope = if kind.starts_with("Cluster") {
        "cluster"
    } else {
        "namespace"
    };
    text_attrs(&[
        ("kind", kind),
        ("name", name),
        ("namespace", ns),
        ("scope", scope),
        ("object", &format!("{kind} {name}")),
    ])
}

fn role(o: &Node, kind: &str) -> Fact {
    let mut grants = Vec::new();
    let mut risks: Vec<&'static str> = Vec::new();
    let mut related = Vec::new();
    let add = |r: &'static str, risks: &mut Vec<&'static str>| {
        if !risks.contains(&r) {
            risks.push(r);
        }
    };
    let mut privilege_verbs = Vec::new();
    let mut webhooks: Vec<String> = Vec::new();
    for rule in o.get("rules").map(Node::items).unwrap_or_default() {
        related.push(rule.span);
        let groups = strs(rule.get("apiGroups"));
        let resources = strs(rule.get("resources"));
        let verbs = strs(rule.get("verbs"));
        // (a rule limited to named objects grants only those)
        let names = strs(rule.get("resourceNames"));
        if resources.is_empty() {
            // a rule of non-resource URLs
            continue;
        }
        let groups = if groups.is_empty() {
            vec![String::new()]
        } else {
            groups
        };
        for g in &groups {
            for r in &resources {
                for v in &verbs {
                    let res = if g.is_empty() {
                        r.clone()
                    } else {
                        format!("{g}/{r}")
                    };
                    if names.is_empty() {
                        grants.push(format!("{v} {res}"));
                    } else {
                        grants.push(format!("{v} {res}:{}", names.join(",")));
                    }
                }
            }
        }
        let every_verb = verbs.iter().any(|v| v == "*");
        let every_res = resources.iter().any(|r| r == "*");
        // (`*` on every resource of one add-on's API group is that add-on's, not the cluster's)
        let core_or_all = groups.iter().any(|g| g.is_empty() || g == "*");
        if every_verb && every_res && core_or_all {
            add("wildcard", &mut risks);
        } else if every_verb {
            add("all-verbs", &mut risks);
        } else if every_res {
            add("all-resources", &mut risks);
        }
        // whoever controls admission webhooks sees (and can rewrite) every object created
        let writes = verbs
            .iter()
            .any(|v| matches!(v.as_str(), "create" | "update" | "patch" | "*"));
        for r in &resources {
            let hook = matches!(
                r.as_str(),
                "mutatingwebhookconfigurations" | "validatingwebhookconfigurations"
            );
            if writes && hook && !every_res && !webhooks.contains(r) {
                webhooks.push(r.clone());
            }
        }
        for v in &verbs {
            if matches!(v.as_str(), "escalate" | "bind" | "impersonate")
                && !privilege_verbs.contains(v)
            {
                privilege_verbs.push(v.clone());
            }
        }
        let reads = verbs
            .iter()
            .any(|v| matches!(v.as_str(), "get" | "list" | "watch" | "*"));
        if reads
            && names.is_empty()
            && resources.iter().any(|r| r == "secrets")
            && (groups.iter().any(|g| g.is_empty() || g == "*"))
            && !every_res
        {
            add("secrets", &mut risks);
        }
    }
    if !privilege_verbs.is_empty() {
        add("privilege-verbs", &mut risks);
    }
    if !webhooks.is_empty() {
        add("webhook-control", &mut risks);
    }
    let name = name_of(o);
    let mut attrs = rbac_attrs(o, kind, &name);
    // the grants behind a wildcard risk, for its message
    let wild: Vec<String> = grants
        .iter()
        .filter(|g| {
            let (v, r) = g.split_once(' ').unwrap_or((g, ""));
            v == "*" || r == "*" || r.ends_with("/*")
        })
        .cloned()
        .collect();
    attrs.insert("wildcard-grants".into(), Value::List(wild));
    attrs.insert("grants".into(), Value::List(grants));
    attrs.insert(
        "risks".into(),
        Value::List(risks.iter().map(|r| r.to_string()).collect()),
    );
    attrs.insert("privilege-verbs".into(), Value::List(privilege_verbs));
    attrs.insert("webhooks".into(), Value::List(webhooks));
    Fact {
        kind: "k8s-role",
        key: vec![name],
        attrs,
        span: name_span(o),
        related,
    }
}

fn binding(o: &Node, kind: &str, wildcard_roles: &HashSet<String>) -> Fact {
    let role_ref = o.get("roleRef");
    let role = role_ref
        .and_then(|r| r.get("name"))
        .and_then(Node::str)
        .unwrap_or_default()
        .to_string();
    let role_kind = role_ref
        .and_then(|r| r.get("kind"))
        .and_then(Node::str)
        .unwrap_or_default()
        .to_string();
    let mut subjects = Vec::new();
    let mut public = false;
    for s in o.get("subjects").map(Node::items).unwrap_or_default() {
        let k = s.get("kind").and_then(Node::str).unwrap_or_default();
        let n = s.get("name").and_then(Node::str).unwrap_or_default();
        public |= matches!(
            n,
            "system:anonymous" | "system:unauthenticated" | "system:authenticated"
        );
        subjects.push(match s.get("namespace").and_then(Node::str) {
            Some(ns) => format!("{k} {ns}/{n}"),
            None => format!("{k} {n}"),
        });
    }
    let mut risks = Vec::new();
    if role == "cluster-admin" {
        risks.push("cluster-admin".to_string());
    } else if role_kind == "ClusterRole" && wildcard_roles.contains(&role) {
        risks.push("wildcard-role".to_string());
    }
    if public {
        risks.push("public".to_string());
    }
    let name = name_of(o);
    let mut attrs = rbac_attrs(o, kind, &name);
    attrs.extend(text_attrs(&[("role", &role), ("role-kind", &role_kind)]));
    attrs.insert("subjects".into(), Value::List(subjects));
    attrs.insert("risks".into(), Value::List(risks));
    let span = role_ref
        .and_then(|r| r.get("name"))
        .map_or(name_span(o), |n| n.span);
    let related = [o.get("kind"), o.get("subjects")]
        .into_iter()
        .flatten()
        .map(|n| n.span)
        .collect();
    Fact {
        kind: "role-binding",
        key: vec![name],
        attrs,
        span,
        related,
    }
}

/// The pod spec of a workload: `spec` of a Pod, `spec.jobTemplate.spec.template.spec` of a
/// CronJob, `spec.template.spec` of anything with a pod template.
fn pod_spec<'n>(o: &'n Node, kind: &str) -> Option<&'n Node> {
    let spec = o.get("spec")?;
    match kind {
        "Pod" => Some(spec),
        "CronJob" => spec
            .get("jobTemplate")?
            .get("spec")?
            .get("template")?
            .get("spec"),
        "PodTemplate" => o.get("template")?.get("spec"),
        _ => spec.get("template")?.get("spec"),
    }
}

fn is_true(n: Option<&Node>) -> bool {
    n.and_then(Node::str) == Some("true")
}

fn is_false(n: Option<&Node>) -> bool {
    n.and_then(Node::str) == Some("false")
}

fn workload(o: &Node, kind: &str, spec: &Node, out: &mut Vec<Fact>) {
    let name = name_of(o);
    let object = format!("{kind} {name}");
    let ns = meta(o, "namespace")
        .and_then(Node::str)
        .unwrap_or_default()
        .to_string();
    // the pod
    let mut risks = Vec::new();
    let mut related = Vec::new();
    let mut namespaces = Vec::new();
    for (key, risk, ns) in [
        ("hostPID", "host-pid", "PID"),
        ("hostNetwork", "host-network", "network"),
        ("hostIPC", "host-ipc", "IPC"),
        ("automountServiceAccountToken", "automount-token", ""),
    ] {
        if let Some((k, v)) = spec.entry(key) {
            if is_true(Some(v)) {
                risks.push(risk.to_string());
                related.push(k.span);
                if !ns.is_empty() {
                    namespaces.push(ns.to_string());
                }
            }
        }
    }
    let mut host_paths = Vec::new();
    for v in spec.get("volumes").map(Node::items).unwrap_or_default() {
        let Some(p) = v.get("hostPath").and_then(|h| h.get("path")) else {
            continue;
        };
        let path = p.str().unwrap_or_default().trim_end_matches('/');
        let path = if path.is_empty() { "/" } else { path };
        let socket = path.ends_with(".sock");
        if socket || DANGEROUS_HOST_PATHS.contains(&path) {
            host_paths.push(path.to_string());
            related.push(p.span);
            let risk = if socket {
                "runtime-socket"
            } else {
                "host-path"
            };
            if !risks.iter().any(|r| r == risk) {
                risks.push(risk.to_string());
            }
        }
    }
    let mut attrs = text_attrs(&[
        ("workload", &object),
        ("kind", kind),
        ("name", &name),
        ("namespace", &ns),
    ]);
    attrs.insert("risks".into(), Value::List(risks));
    attrs.insert("host-paths".into(), Value::List(host_paths));
    attrs.insert("namespaces".into(), Value::List(namespaces));
    out.push(Fact {
        kind: "pod-security",
        // (by name: a ReplicationController turned into a Deployment is the same workload)
        key: vec![name.clone()],
        attrs,
        span: name_span(o),
        related,
    });
    // its containers
    let pod_ctx = spec.get("securityContext");
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        for c in spec.get(list).map(Node::items).unwrap_or_default() {
            out.push(container(&object, kind, &name, c, pod_ctx));
        }
    }
}

/// A container's security, its own security context over the pod's.
fn container(object: &str, kind: &str, workload: &str, c: &Node, pod: Option<&Node>) -> Fact {
    let cname = c.get("name").and_then(Node::str).unwrap_or_default();
    let ctx = c.get("securityContext");
    // a setting of the container, else of the pod (for those a pod context may hold)
    let setting = |key: &str, pod_level: bool| -> Option<&Node> {
        ctx.and_then(|x| x.get(key))
            .or_else(|| pod.filter(|_| pod_level).and_then(|p| p.get(key)))
    };
    let mut risks = Vec::new();
    let mut related: Vec<(usize, usize)> = Vec::new();
    let mut flag = |risk: &str, n: Option<&Node>, risks: &mut Vec<String>| {
        risks.push(risk.to_string());
        if let Some(n) = n {
            related.push(n.span);
        }
    };
    if is_true(setting("privileged", false)) {
        flag("privileged", setting("privileged", false), &mut risks);
    }
    if is_true(setting("allowPrivilegeEscalation", false)) {
        flag(
            "privilege-escalation",
            setting("allowPrivilegeEscalation", false),
            &mut risks,
        );
    }
    let caps = ctx.and_then(|x| x.get("capabilities"));
    let added: Vec<String> = strs(caps.and_then(|c| c.get("add")))
        .into_iter()
        .map(|c| c.trim_start_matches("CAP_").to_uppercase())
        .filter(|c| DANGEROUS_CAPS.contains(&c.as_str()))
        .collect();
    if !added.is_empty() {
        flag("capabilities", caps.and_then(|c| c.get("add")), &mut risks);
    }
    let user = setting("runAsUser", true);
    if user.and_then(Node::str) == Some("0") {
        flag("root", user, &mut risks);
    } else if is_false(setting("runAsNonRoot", true)) {
        flag("root", setting("runAsNonRoot", true), &mut risks);
    }
    let mut hardening = Vec::new();
    if is_true(setting("runAsNonRoot", true))
        || setting("runAsUser", true)
            .and_then(Node::str)
            .is_some_and(|u| u.parse::<u64>().is_ok_and(|u| u > 0))
    {
        hardening.push("runAsNonRoot");
    }
    if is_true(setting("readOnlyRootFilesystem", false)) {
        hardening.push("readOnlyRootFilesystem");
    }
    if is_false(setting("allowPrivilegeEscalation", false)) {
        hardening.push("allowPrivilegeEscalation: false");
    }
    if strs(caps.and_then(|c| c.get("drop")))
        .iter()
        .any(|d| d.eq_ignore_ascii_case("ALL"))
    {
        hardening.push("capabilities.drop: ALL");
    }
    if setting("seccompProfile", true).is_some() {
        hardening.push("seccompProfile");
    }
    if let Some(x) = ctx {
        related.push(x.span);
    }
    let mut attrs = text_attrs(&[
        ("workload", object),
        ("container", cname),
        ("kind", kind),
        (
            "security-context",
            if ctx.is_some() { "true" } else { "false" },
        ),
    ]);
    attrs.insert("risks".into(), Value::List(risks));
    attrs.insert("capabilities".into(), Value::List(added));
    attrs.insert(
        "hardening".into(),
        Value::List(hardening.iter().map(|h| h.to_string()).collect()),
    );
    Fact {
        kind: "container-security",
        key: vec![workload.to_string(), cname.to_string()],
        attrs,
        span: c.get("name").map_or(c.span, |n| n.span),
        related,
    }
}
