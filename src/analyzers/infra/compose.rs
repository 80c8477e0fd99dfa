//! docker-compose files: each service's hold on its host, as a `container-security` fact
//! (the kind Kubernetes containers have, so rules read both alike): `privileged`, the
//! container runtime's socket or the host's root mounted, the host's network, PID or IPC
//! namespace, dangerous capabilities added, confinement turned off, root.

use super::kubernetes::DANGEROUS_CAPS;
use super::text_attrs;
use crate::analyzers::yaml::Node;
use crate::analyzers::{Fact, Value};

pub fn facts(root: &Node) -> Vec<Fact> {
    let mut out = Vec::new();
    for (key, svc) in root.get("services").map(Node::entries).unwrap_or_default() {
        let Some(name) = key.str() else { continue };
        let mut risks: Vec<String> = Vec::new();
        let mut related = Vec::new();
        let mut flag = |risk: &str, n: &Node, risks: &mut Vec<String>| {
            if !risks.iter().any(|r| r == risk) {
                risks.push(risk.to_string());
            }
            related.push(n.span);
        };
        if let Some(v) = svc.get("privileged").filter(|v| v.str() == Some("true")) {
            flag("privileged", v, &mut risks);
        }
        for (key, risk) in [
            ("network_mode", "host-network"),
            ("pid", "host-pid"),
            ("ipc", "host-ipc"),
        ] {
            if let Some(v) = svc.get(key).filter(|v| v.str() == Some("host")) {
                flag(risk, v, &mut risks);
            }
        }
        let mut caps = Vec::new();
        for c in svc.get("cap_add").map(Node::items).unwrap_or_default() {
            let cap = c
                .str()
                .unwrap_or_default()
                .trim_start_matches("CAP_")
                .to_uppercase();
            if DANGEROUS_CAPS.contains(&cap.as_str()) {
                caps.push(cap);
                flag("capabilities", c, &mut risks);
            }
        }
        let mut host_paths = Vec::new();
        for v in svc.get("volumes").map(Node::items).unwrap_or_default() {
            // `src:dst[:mode]`, or the long form's `source`
            let source = match v.str() {
                Some(s) => s.split(':').next().unwrap_or_default().to_string(),
                None => v
                    .get("source")
                    .and_then(Node::str)
                    .unwrap_or_default()
                    .to_string(),
            };
            let src = source.trim_end_matches('/');
            if src.ends_with("docker.sock") || src.ends_with("containerd.sock") {
                host_paths.push(source.clone());
                flag("runtime-socket", v, &mut risks);
            } else if src.is_empty() && source == "/"
                || matches!(src, "/etc" | "/proc" | "/sys" | "/root" | "/var/lib/docker")
            {
                host_paths.push(source.clone());
                flag("host-path", v, &mut risks);
            }
        }
        for o in svc.get("security_opt").map(Node::items).unwrap_or_default() {
            let o = o.str().unwrap_or_default();
            if o.ends_with("unconfined") || o.starts_with("no-new-privileges:false") {
                flag(
                    "unconfined",
                    svc.get("security_opt").unwrap_or(svc),
                    &mut risks,
                );
            }
        }
        if let Some(u) = svc.get("user") {
            let user = u.str().unwrap_or_default();
            if user == "root" || user == "0" || user.starts_with("0:") || user.starts_with("root:")
            {
                flag("root", u, &mut risks);
            }
        }
        let object = format!("compose service {name}");
        let mut attrs = text_attrs(&[
            ("workload", &object),
            ("container", name),
            ("kind", "compose"),
            ("security-context", "false"),
        ]);
        attrs.insert("risks".into(), Value::List(risks));
        attrs.insert("capabilities".into(), Value::List(caps));
        attrs.insert("host-paths".into(), Value::List(host_paths));
        attrs.insert("hardening".into(), Value::List(Vec::new()));
        out.push(Fact {
            kind: "container-security",
            key: vec!["compose".into(), name.to_string()],
            attrs,
            span: key.span,
            related,
        });
    }
    out
}
