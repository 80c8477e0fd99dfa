#!/usr/bin/env python3
"""Side-by-side agreement of diffward's credentials pack with checkov on the same repositories.

usage: compare.py OUT_DIR [--corpus CORPUS.tsv] [--repo NAME] [--list MEANING|all]
       compare.py --check-ids        (the in-scope checkov ids, comma-separated, for run.sh)

OUT_DIR is what run.sh wrote: OUT_DIR/checkov/NAME.json (checkov -o json) and
OUT_DIR/diffward/NAME.json (diffward scan --format json), one pair per repository, and
OUT_DIR/roots.tsv (NAME, absolute path of the repository's root) so that both tools' paths are
made relative to the repository root.

Both tools' findings are put under a *meaning* (the table below). A checkov failed check is one
unit per (file, line range, meaning): checkov reports the same block once per check id (CKV_AWS_62
and CKV_AWS_63 on one policy) and once per module instance, and those count once. A unit agrees
when diffward reports a rule listed for that meaning in the same file on a line inside checkov's
file_line_range (the resource block, manifest object or template resource). A diffward finding
inside no agreeing unit of any meaning is "diffward only" under its home meaning (the first
meaning that lists its rule). agreement = agree / (agree + checkov only + diffward only), over
the meanings that have checkov checks; meanings with no checkov check are shown apart.

The table is data: edit it here. checkov ids are checkov's (Apache-2.0); the diffward rule ids
are the names the credentials pack uses or is expected to use.
"""
import collections
import json
import os
import sys

# meaning -> checkov check ids (what they flag is in the README) and the diffward rules that
# count as the same finding. A rule may be listed under several meanings (an `iam-all-actions`
# finding also satisfies "iam:* or *"); a diffward finding that matches nothing is counted under
# its home meaning: the first one listing its rule (HOME overrides that). Rule ids marked
# "(none yet)" name no rule of the pack today: those meanings are checkov only until one exists.
MEANINGS = {
    # --- AWS IAM: identity policies (Terraform and CloudFormation) ---
    "iam-all-actions": {  # Allow with Action "*" (CKV_AWS_1/62: and Resource "*")
        "checkov": ["CKV_AWS_1", "CKV_AWS_49", "CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_72"],
        "diffward": ["credentials/iam-all-actions", "credentials/iam-admin"],
    },
    "iam-full-iam": {  # Allow with iam:* or *
        "checkov": ["CKV2_AWS_40"],
        "diffward": ["credentials/iam-service-wildcard", "credentials/iam-all-actions", "credentials/iam-admin"],
    },
    "iam-privilege-escalation": {
        "checkov": ["CKV_AWS_110", "CKV_AWS_286"],
        "diffward": ["credentials/iam-privilege-escalation", "credentials/iam-all-actions", "credentials/iam-admin"],
    },
    "iam-write-unconstrained": {  # any Write-level action on "*"
        "checkov": ["CKV_AWS_111", "CKV_AWS_290"],
        "diffward": ["credentials/iam-write-any-resource", "credentials/iam-all-actions", "credentials/iam-admin",
                     "credentials/iam-service-wildcard", "credentials/iam-public-principal",
                     "credentials/iam-privilege-escalation"],
    },
    "iam-permissions-management": {  # permissions-management actions on "*"
        "checkov": ["CKV_AWS_109", "CKV_AWS_289"],
        "diffward": ["credentials/iam-privilege-escalation", "credentials/iam-write-any-resource",
                     "credentials/iam-all-actions", "credentials/iam-admin", "credentials/iam-service-wildcard",
                     "credentials/iam-public-principal"],
    },
    "iam-wildcard-resource": {  # Resource "*" on actions that can be scoped, read actions too
        "checkov": ["CKV_AWS_355", "CKV_AWS_356"],
        "diffward": ["credentials/iam-write-any-resource", "credentials/iam-all-actions", "credentials/iam-admin",
                     "credentials/iam-service-wildcard", "credentials/iam-data-read-any-resource",
                     "credentials/iam-credentials-any-resource", "credentials/iam-privilege-escalation",
                     "credentials/iam-public-principal"],
    },
    "iam-credentials-exposure": {  # actions that return credentials
        "checkov": ["CKV_AWS_107", "CKV_AWS_287"],
        "diffward": ["credentials/iam-credentials-any-resource", "credentials/iam-privilege-escalation",
                     "credentials/iam-service-wildcard", "credentials/iam-all-actions",
                     "credentials/iam-admin"],
    },
    "iam-data-exfiltration": {  # data-read actions on "*"
        "checkov": ["CKV_AWS_108", "CKV_AWS_288"],
        "diffward": ["credentials/iam-data-read-any-resource", "credentials/iam-all-actions",
                     "credentials/iam-admin", "credentials/iam-service-wildcard"],
    },
    "iam-admin-managed-policy": {  # arn:aws:iam::aws:policy/AdministratorAccess attached
        "checkov": ["CKV_AWS_274", "CKV_AWS_275"],
        "diffward": ["credentials/aws-managed-admin-policy"],
    },
    "iam-fullaccess-managed-policy": {  # the IAMFullAccess managed policy
        "checkov": ["CKV2_AWS_56"],
        "diffward": ["credentials/aws-managed-full-access-policy", "credentials/aws-managed-admin-policy"],
    },
    "iam-policy-on-user": {
        "checkov": ["CKV_AWS_40"],
        "diffward": ["credentials/iam-policy-on-user (none yet)"],
    },
    "iam-user": {  # every aws_iam_user
        "checkov": ["CKV_AWS_273"],
        "diffward": ["credentials/iam-user (none yet)"],
    },
    "long-lived-key": {  # CKV_AWS_348: access key of root; CKV2_GCP_3: Google-generated SA key
        "checkov": ["CKV_AWS_348", "CKV2_GCP_3"],
        "diffward": ["credentials/long-lived-key-created"],
    },
    "provider-static-credentials": {  # access_key/secret_key literals in provider "aws"
        "checkov": ["CKV_AWS_41"],
        "diffward": ["credentials/provider-static-key"],
    },
    # --- AWS trust and resource policies ---
    "policy-any-principal": {  # Principal "*" / AWS "*" in a trust or resource policy
        "checkov": ["CKV_AWS_60", "CKV_AWS_283", "CKV_AWS_70", "CKV_AWS_33", "CKV_AWS_32", "CKV_AWS_167",
                    "CKV_AWS_168", "CKV_AWS_169", "CKV_AWS_387"],
        "diffward": ["credentials/iam-public-principal"],
    },
    "trust-whole-account": {  # assume-role policy trusting an account id / :root
        "checkov": ["CKV_AWS_61"],
        "diffward": ["credentials/iam-trust-account-root (none yet)"],
    },
    # --- containers and pods (Kubernetes manifests, kubernetes_* Terraform, ECS/Batch/CodeBuild) ---
    "privileged-container": {
        "checkov": ["CKV_K8S_16", "CKV_AWS_334", "CKV_AWS_210", "CKV_AWS_316"],
        "diffward": ["credentials/privileged-container"],
    },
    "allow-privilege-escalation": {  # checkov: fails unless allowPrivilegeEscalation: false (absence)
        "checkov": ["CKV_K8S_20"],
        "diffward": ["credentials/privilege-escalation-allowed"],
    },
    "host-namespace": {  # hostPID / hostIPC / hostNetwork; ECS pidMode host
        "checkov": ["CKV_K8S_17", "CKV_K8S_18", "CKV_K8S_19", "CKV_AWS_335"],
        "diffward": ["credentials/host-namespace"],
    },
    "docker-socket": {  # hostPath /var/run/docker.sock
        "checkov": ["CKV_K8S_27"],
        "diffward": ["credentials/host-path-mount"],
    },
    "cap-sys-admin": {
        "checkov": ["CKV_K8S_39"],
        "diffward": ["credentials/dangerous-capabilities"],
    },
    "added-capabilities": {  # any capabilities.add
        "checkov": ["CKV_K8S_25"],
        "diffward": ["credentials/dangerous-capabilities"],
    },
    "capabilities-not-dropped": {  # checkov: fails without drop ALL (37) / NET_RAW (28) (absence)
        "checkov": ["CKV_K8S_37", "CKV_K8S_28"],
        "diffward": ["credentials/capabilities-not-dropped (none yet)"],
    },
    "run-as-root": {  # checkov 23: no runAsNonRoot / runAsUser > 0 (absence); DOCKER_8: USER root; 3: no USER
        "checkov": ["CKV_K8S_23", "CKV_DOCKER_8", "CKV_DOCKER_3"],
        "diffward": ["credentials/container-runs-as-root"],
    },
    "automount-token": {  # checkov: fails unless automountServiceAccountToken: false (absence)
        "checkov": ["CKV_K8S_38"],
        "diffward": ["credentials/token-automount"],
    },
    "k8s-default-service-account": {
        "checkov": ["CKV_K8S_41", "CKV_K8S_42"],
        "diffward": ["credentials/k8s-default-service-account (none yet)"],
    },
    # --- Kubernetes RBAC ---
    "k8s-rbac-wildcard": {  # "*" in apiGroups, resources or verbs (checkov: first rule only)
        "checkov": ["CKV_K8S_49"],
        "diffward": ["credentials/k8s-wildcard-role", "credentials/k8s-all-verbs", "credentials/k8s-all-resources"],
    },
    "k8s-rbac-escalate-bind": {  # escalate on roles / bind on (cluster)rolebindings
        "checkov": ["CKV_K8S_158", "CKV_K8S_157"],
        "diffward": ["credentials/k8s-privilege-verbs", "credentials/k8s-wildcard-role", "credentials/k8s-all-verbs"],
    },
    "k8s-rbac-webhooks": {
        "checkov": ["CKV_K8S_155"],
        "diffward": ["credentials/k8s-webhook-control", "credentials/k8s-wildcard-role", "credentials/k8s-all-resources",
                     "credentials/k8s-all-verbs"],
    },
    "k8s-rbac-csr-approve": {
        "checkov": ["CKV_K8S_156"],
        "diffward": ["credentials/k8s-csr-approve (none yet)", "credentials/k8s-wildcard-role",
                     "credentials/k8s-all-verbs"],
    },
    # checkov's graph checks below report the RoleBinding/ClusterRoleBinding whose ServiceAccount
    # or Node subject gets the permission through a Role in the same scan, not the Role itself,
    # so a diffward finding on the Role only agrees when both objects share the lines
    "k8s-binding-privilege-verbs": {  # bind (1), impersonate (3)
        "checkov": ["CKV2_K8S_1", "CKV2_K8S_3"],
        "diffward": ["credentials/k8s-privilege-verbs", "credentials/k8s-wildcard-role-binding"],
    },
    "k8s-binding-exec-proxy": {  # create on pods/exec or nodes/proxy
        "checkov": ["CKV2_K8S_2"],
        "diffward": ["credentials/k8s-pods-exec (none yet)", "credentials/k8s-wildcard-role-binding"],
    },
    "k8s-roles-read-secrets": {"checkov": [], "diffward": ["credentials/k8s-secrets-read"]},
    "k8s-binding-read-secrets": {  # get/list/watch on secrets (or *)
        "checkov": ["CKV2_K8S_5"],
        "diffward": ["credentials/k8s-secrets-read", "credentials/k8s-wildcard-role-binding"],
    },
    # --- GCP ---
    "gcp-basic-role": {  # roles/owner, roles/editor, roles/viewer at project/folder/org
        "checkov": ["CKV_GCP_115", "CKV_GCP_116", "CKV_GCP_117"],
        "diffward": ["credentials/gcp-basic-role"],
    },
    "gcp-privileged-role": {  # roles that act as service accounts (41/44/45/49), SA with admin role (42)
        "checkov": ["CKV_GCP_41", "CKV_GCP_44", "CKV_GCP_45", "CKV_GCP_49", "CKV_GCP_42"],
        "diffward": ["credentials/cloud-privileged-role", "credentials/gcp-basic-role"],
    },
    "gcp-default-sa-member": {  # the default compute / App Engine service account as a member
        "checkov": ["CKV_GCP_46", "CKV_GCP_47", "CKV_GCP_48"],
        "diffward": ["credentials/gcp-default-service-account (none yet)"],
    },
    "gcp-instance-default-sa": {  # instance / GKE on the default SA (31: cloud-platform scope)
        "checkov": ["CKV_GCP_30", "CKV_GCP_31", "CKV2_GCP_1"],
        "diffward": ["credentials/gcp-default-service-account (none yet)"],
    },
    "gcp-public-member": {  # allUsers / allAuthenticatedUsers
        "checkov": ["CKV_GCP_113", "CKV_GCP_28", "CKV_GCP_15", "CKV_GCP_98", "CKV_GCP_99",
                    "CKV_GCP_100", "CKV_GCP_101", "CKV_GCP_102", "CKV_GCP_107", "CKV_GCP_112",
                    "CKV2_GCP_6", "CKV2_GCP_8", "CKV2_GCP_9"],
        "diffward": ["credentials/gcp-public-member"],
    },
    # --- Azure ---
    "azure-role-wildcard-actions": {  # azurerm_role_definition with "*" in permissions.actions
        "checkov": ["CKV_AZURE_39"],
        "diffward": ["credentials/azure-custom-role-wildcard"],
    },
    "azure-local-admin": {  # ACR admin_enabled = true; AKS local_account_disabled not true (absence)
        "checkov": ["CKV_AZURE_137", "CKV_AZURE_141"],
        "diffward": ["credentials/azure-admin-account (none yet)"],
    },
    "azure-storage-shared-key": {  # no shared_access_key_enabled = false (absence)
        "checkov": ["CKV2_AZURE_40"],
        "diffward": ["credentials/azure-storage-shared-key (none yet)"],
    },
    # --- no checkov check: diffward findings shown apart, outside the agreement ---
    "k8s-bindings": {"checkov": [], "diffward": ["credentials/k8s-cluster-admin-binding",
                                                 "credentials/k8s-public-binding",
                                                 "credentials/k8s-wildcard-role-binding"]},
    "iam-not-action": {"checkov": [], "diffward": ["credentials/iam-not-action", "credentials/iam-not-resource"]},
    "cloud-keys-elsewhere": {"checkov": [], "diffward": ["credentials/provider-key-file",
                                                         "credentials/ci-static-cloud-key",
                                                         "credentials/credentials-copied-into-image"]},
    "compose": {"checkov": [], "diffward": ["credentials/compose-host-access"]},
    # these report a change (before and after), never a whole-file scan
    "change-only": {"checkov": [], "diffward": ["credentials/iam-statement-broadened",
                                                "credentials/k8s-role-broadened",
                                                "credentials/k8s-binding-to-cluster",
                                                "credentials/hardening-removed"]},
}
# rule -> home meaning, where the first listing is not the right one
HOME = {
    "credentials/iam-admin": "iam-all-actions",
    "credentials/iam-write-any-resource": "iam-write-unconstrained",
    "credentials/k8s-wildcard-role-binding": "k8s-bindings",
    # Azure Owner/Contributor assignments (no checkov check) land here with the GCP ones
    "credentials/cloud-privileged-role": "gcp-privileged-role",
    # checkov reports a role that reads secrets only at a binding of it (CKV2_K8S_5)
    "credentials/k8s-secrets-read": "k8s-roles-read-secrets",
}

# checks that fail when a safe setting is missing (not when a risky one is set): the second
# "all compared" line leaves their units out
ABSENCE = {"CKV_K8S_20", "CKV_K8S_23", "CKV_K8S_28", "CKV_K8S_37", "CKV_K8S_38", "CKV_DOCKER_3",
           "CKV_AZURE_141", "CKV2_AZURE_40"}

# The checks in scope: those that mean a broad grant written in the code. Left out (each
# explained in README.md): checks that fail on a missing setting (ABSENCE), IAM users as such
# (CKV_AWS_273, CKV_AWS_40: an organisation's choice of SSO), `Resource: "*"` on read actions
# IAM could scope (CKV_AWS_355/356: they fail `ec2:Describe*`, which AWS grants on "*"), and the
# Azure local-admin and shared-key settings (not grants).
OUT_OF_SCOPE = {"iam-policy-on-user", "iam-user", "iam-wildcard-resource", "allow-privilege-escalation",
                "capabilities-not-dropped", "run-as-root", "automount-token", "azure-local-admin",
                "azure-storage-shared-key"}

CHECK_MEANING = {c: m for m, v in MEANINGS.items() for c in v["checkov"]}
RULE_HOME = dict(HOME)
for _m, _v in MEANINGS.items():
    for _r in _v["diffward"]:
        RULE_HOME.setdefault(_r, _m)


def checkov_units(path, root):
    """One unit per (file, start, end, meaning), with the check ids and resources behind it."""
    data = json.load(open(path))
    reports = data if isinstance(data, list) else [data]
    units = collections.OrderedDict()
    for rep in reports:
        if not isinstance(rep, dict):
            continue
        for f in rep.get("results", {}).get("failed_checks", []):
            meaning = CHECK_MEANING.get(f["check_id"])
            if meaning is None:
                continue
            file = f.get("file_abs_path") or f["file_path"]
            file = os.path.relpath(file, root) if root and os.path.isabs(file) else file.lstrip("/")
            start, end = (f.get("file_line_range") or [0, 0])[:2]
            key = (os.path.normpath(file), start, end, meaning)
            u = units.setdefault(key, {"file": key[0], "start": start, "end": end, "meaning": meaning,
                                       "checks": set(), "resources": set(), "hit": None})
            u["checks"].add(f["check_id"])
            u["resources"].add(f.get("resource", ""))
    return list(units.values())


def diffward_findings(path, root):
    d = json.load(open(path))
    out = []
    for f in d.get("findings", []):
        p = f["path"]
        p = os.path.relpath(p, root) if root and os.path.isabs(p) else p
        out.append({"rule": f["rule_id"], "file": os.path.normpath(p), "line": f["region"]["start_line"],
                    "end": f["region"].get("end_line", f["region"]["start_line"]),
                    "message": f.get("message", ""), "matched": False})
    return out


# checkov meanings reported at a binding whose diffward counterpart is reported at the role
BOUND_ROLE = {"k8s-binding-read-secrets": {"credentials/k8s-secrets-read"},
              "k8s-binding-privilege-verbs": {"credentials/k8s-privilege-verbs"}}


def bound_role(root, unit):
    """The `roleRef.name` of the binding in a unit's lines."""
    try:
        lines = open(os.path.join(root or ".", unit["file"]), errors="replace").read().split("\n")
    except OSError:
        return None
    in_ref = False
    for line in lines[max(unit["start"] - 1, 0):unit["end"]]:
        t = line.strip()
        if t.startswith("roleRef:"):
            in_ref = True
        elif in_ref and t.startswith("name:"):
            return t.split(":", 1)[1].strip().strip("'\"")
        elif in_ref and not line.startswith((" ", "\t")):
            in_ref = False
    return None


def unread_by_checkov(root, file):
    """A Helm template (checkov reads charts only through the helm binary)."""
    try:
        return "{{" in open(os.path.join(root or ".", file), errors="replace").read()
    except OSError:
        return False


def compare(repo, units, dw, rows, root=None):
    by_file = collections.defaultdict(list)
    for f in dw:
        by_file[f["file"]].append(f)
    for u in units:
        allowed = set(MEANINGS[u["meaning"]]["diffward"])
        hits = [f for f in by_file.get(u["file"], [])
                if f["rule"] in allowed and u["start"] <= f["line"] <= u["end"]]
        if not hits and u["meaning"] in BOUND_ROLE:
            # checkov reports the binding; diffward reports the role it binds (same file)
            role = bound_role(root, u)
            hits = [f for f in by_file.get(u["file"], [])
                    if role and f["rule"] in BOUND_ROLE[u["meaning"]]
                    and (f" {role} " in f["message"] or f["message"].startswith(f"Role {role} ")
                         or f["message"].startswith(f"ClusterRole {role} "))]
        r = rows[u["meaning"]]
        u["absence"] = u["checks"] <= ABSENCE
        if hits:
            r["agree"] += 1
            r["agree_absence"] += u["absence"]
            for f in hits:
                f["matched"] = True
            u["hit"] = hits[0]["rule"]
        else:
            r["checkov_only"].append((repo, u))
    for f in dw:
        if not f["matched"]:
            f["unread"] = unread_by_checkov(root, f["file"])
            rows[RULE_HOME.get(f["rule"], "(unmapped rule)")]["diffward_only"].append((repo, f))


def corpus_names(corpus):
    names = []
    for line in open(corpus):
        if line.startswith("#") or not line.strip() or line.startswith("repo\t"):
            continue
        names.append(line.split("\t")[0].split("/")[-1])
    return names


def main(argv):
    if "--check-ids" in argv:
        print(",".join(c for v in MEANINGS.values() for c in v["checkov"]))
        return
    out = argv[1]
    opt = lambda k: argv[argv.index(k) + 1] if k in argv else None  # noqa: E731
    here = os.path.dirname(os.path.abspath(__file__))
    corpus = opt("--corpus") or os.path.join(here, "corpus.tsv")
    show = opt("--list") or "all"
    roots = {}
    if os.path.exists(os.path.join(out, "roots.tsv")):
        for line in open(os.path.join(out, "roots.tsv")):
            n, r = line.rstrip("\n").split("\t")[:2]
            roots[n] = r
    names = [opt("--repo")] if opt("--repo") else [n for n in corpus_names(corpus)
                                                   if os.path.exists(os.path.join(out, "checkov", n + ".json"))]
    rows = collections.defaultdict(lambda: {"agree": 0, "agree_absence": 0, "checkov_only": [], "diffward_only": []})
    missing = []
    for n in names:
        ck = os.path.join(out, "checkov", n + ".json")
        dwp = os.path.join(out, "diffward", n + ".json")
        if not os.path.exists(dwp):
            missing.append(n)
            continue
        root = roots.get(n)
        compare(n, checkov_units(ck, root), diffward_findings(dwp, root), rows, root)
    if missing:
        print("no diffward output for: " + ", ".join(missing), file=sys.stderr)

    print("| meaning | checkov checks | agree | checkov only | diffward only | agreement |")
    print("|---|---|---:|---:|---:|---:|")
    ta = tc = td = xa = xc = 0
    for m, v in MEANINGS.items():
        if not v["checkov"]:
            continue
        r = rows[m]
        a, c, d = r["agree"], len(r["checkov_only"]), len(r["diffward_only"])
        if a + c + d == 0:
            continue
        ta, tc, td = ta + a, tc + c, td + d
        xa, xc = xa + r["agree_absence"], xc + sum(1 for _, u in r["checkov_only"] if u["absence"])
        print(f"| {m} | {', '.join(v['checkov'])} | {a} | {c} | {d} | {100 * a / (a + c + d):.0f}% |")
    print(f"| **all compared** | | {ta} | {tc} | {td} | {100 * ta / max(ta + tc + td, 1):.1f}% |")
    a, c = ta - xa, tc - xc
    print(f"| **without absence checks** | | {a} | {c} | {td} | {100 * a / max(a + c + td, 1):.1f}% |")
    sa = sc = sd = 0
    for m, v in MEANINGS.items():
        if not v["checkov"] or m in OUT_OF_SCOPE:
            continue
        r = rows[m]
        sa += r["agree"]
        sc += len(r["checkov_only"])
        sd += sum(1 for _, f in r["diffward_only"] if not f.get("unread"))
    print(f"| **checks in scope**, on files both read | | {sa} | {sc} | {sd} | "
          f"{100 * sa / max(sa + sc + sd, 1):.1f}% |")
    print(f"\nIn scope, diffward reports {sa} of checkov's {sa + sc} findings "
          f"({100 * sa / max(sa + sc, 1):.1f}%); checkov reports {sa} of diffward's {sa + sd} "
          f"({100 * sa / max(sa + sd, 1):.1f}%).")
    apart = [(m, len(rows[m]["diffward_only"])) for m, v in MEANINGS.items()
             if not v["checkov"] and rows[m]["diffward_only"]]
    if rows["(unmapped rule)"]["diffward_only"]:
        apart.append(("(unmapped rule)", len(rows["(unmapped rule)"]["diffward_only"])))
    if apart:
        print("\nOutside the agreement (no checkov check): " + ", ".join(f"{m} {n}" for m, n in apart))

    print("\n## disagreements")
    for m in list(MEANINGS) + ["(unmapped rule)"]:
        if show not in ("all", m) or m not in rows:
            continue
        r = rows[m]
        for repo, u in r["checkov_only"]:
            print(f"checkov only  {m}  {repo}/{u['file']}:{u['start']}-{u['end']}  "
                  f"{','.join(sorted(u['checks']))}  {','.join(sorted(u['resources']))[:80]}")
        for repo, f in r["diffward_only"]:
            print(f"diffward only {m}  {repo}/{f['file']}:{f['line']}  {f['rule']}  {f['message'][:90]}")


if __name__ == "__main__":
    main(sys.argv)
