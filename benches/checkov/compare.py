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
# count as the same finding. A rule may be listed under several meanings (a `"Action": "*"`
# finding also satisfies "iam:* or *"); its home meaning is the first one listing it.
MEANINGS = {
    # --- AWS IAM: identity policies (Terraform and CloudFormation) ---
    "iam-all-actions": {  # Allow with Action "*" (CKV_AWS_1/62: and Resource "*")
        "checkov": ["CKV_AWS_1", "CKV_AWS_49", "CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_72"],
        "diffward": ["credentials/iam-wildcard-action"],
    },
    "iam-full-iam": {  # Allow with iam:* or *
        "checkov": ["CKV2_AWS_40"],
        "diffward": ["credentials/iam-service-wildcard", "credentials/iam-wildcard-action"],
    },
    "iam-wildcard-resource": {  # Resource "*" on actions that can be scoped (cloudsplaining)
        "checkov": ["CKV_AWS_355", "CKV_AWS_356"],
        "diffward": ["credentials/iam-wildcard-resource"],
    },
    "iam-privilege-escalation": {
        "checkov": ["CKV_AWS_110", "CKV_AWS_286"],
        "diffward": ["credentials/iam-privilege-escalation"],
    },
    "iam-credentials-exposure": {
        "checkov": ["CKV_AWS_107", "CKV_AWS_287"],
        "diffward": ["credentials/iam-credentials-exposure"],
    },
    "iam-data-exfiltration": {
        "checkov": ["CKV_AWS_108", "CKV_AWS_288"],
        "diffward": ["credentials/iam-data-exfiltration"],
    },
    "iam-permissions-management": {
        "checkov": ["CKV_AWS_109", "CKV_AWS_289"],
        "diffward": ["credentials/iam-permissions-management"],
    },
    "iam-write-unconstrained": {
        "checkov": ["CKV_AWS_111", "CKV_AWS_290"],
        "diffward": ["credentials/iam-write-unconstrained"],
    },
    "iam-admin-managed-policy": {  # arn:aws:iam::aws:policy/AdministratorAccess attached
        "checkov": ["CKV_AWS_274", "CKV_AWS_275"],
        "diffward": ["credentials/iam-admin-managed-policy"],
    },
    "iam-fullaccess-managed-policy": {  # the IAMFullAccess managed policy
        "checkov": ["CKV2_AWS_56"],
        "diffward": ["credentials/iam-fullaccess-managed-policy", "credentials/iam-admin-managed-policy"],
    },
    "iam-policy-on-user": {
        "checkov": ["CKV_AWS_40"],
        "diffward": ["credentials/iam-policy-on-user"],
    },
    "iam-user": {  # every aws_iam_user
        "checkov": ["CKV_AWS_273"],
        "diffward": ["credentials/iam-user"],
    },
    "iam-root-access-key": {
        "checkov": ["CKV_AWS_348"],
        "diffward": ["credentials/iam-root-access-key", "credentials/iam-access-key"],
    },
    "provider-static-credentials": {  # access_key/secret_key literals in provider "aws"
        "checkov": ["CKV_AWS_41"],
        "diffward": ["credentials/provider-static-credentials"],
    },
    # --- AWS trust and resource policies ---
    "trust-any-principal": {  # assume-role policy with Principal AWS "*"
        "checkov": ["CKV_AWS_60"],
        "diffward": ["credentials/iam-trust-any-principal", "credentials/policy-any-principal"],
    },
    "trust-whole-account": {  # assume-role policy trusting an account id / :root
        "checkov": ["CKV_AWS_61"],
        "diffward": ["credentials/iam-trust-account-root"],
    },
    "policy-any-principal": {  # Principal "*" / AWS "*" in a resource policy
        "checkov": ["CKV_AWS_283", "CKV_AWS_70", "CKV_AWS_33", "CKV_AWS_32", "CKV_AWS_167",
                    "CKV_AWS_168", "CKV_AWS_169", "CKV_AWS_387"],
        "diffward": ["credentials/policy-any-principal", "credentials/iam-trust-any-principal"],
    },
    # --- containers and pods (Kubernetes manifests, kubernetes_* Terraform, ECS/Batch/CodeBuild) ---
    "privileged-container": {
        "checkov": ["CKV_K8S_16", "CKV_AWS_334", "CKV_AWS_210", "CKV_AWS_316"],
        "diffward": ["credentials/k8s-privileged", "credentials/privileged-container",
                     "credentials/compose-privileged"],
    },
    "allow-privilege-escalation": {  # checkov: fails unless allowPrivilegeEscalation: false
        "checkov": ["CKV_K8S_20"],
        "diffward": ["credentials/k8s-allow-privilege-escalation"],
    },
    "host-pid": {
        "checkov": ["CKV_K8S_17", "CKV_AWS_335"],
        "diffward": ["credentials/k8s-host-pid", "credentials/k8s-host-namespace"],
    },
    "host-ipc": {
        "checkov": ["CKV_K8S_18"],
        "diffward": ["credentials/k8s-host-ipc", "credentials/k8s-host-namespace"],
    },
    "host-network": {
        "checkov": ["CKV_K8S_19"],
        "diffward": ["credentials/k8s-host-network", "credentials/k8s-host-namespace"],
    },
    "docker-socket": {  # hostPath /var/run/docker.sock
        "checkov": ["CKV_K8S_27"],
        "diffward": ["credentials/k8s-docker-socket", "credentials/compose-docker-socket"],
    },
    "cap-sys-admin": {
        "checkov": ["CKV_K8S_39"],
        "diffward": ["credentials/k8s-cap-sys-admin"],
    },
    "added-capabilities": {  # any capabilities.add
        "checkov": ["CKV_K8S_25"],
        "diffward": ["credentials/k8s-added-capability", "credentials/k8s-cap-sys-admin"],
    },
    "capabilities-not-dropped": {  # checkov: fails without drop ALL (37) / NET_RAW (28)
        "checkov": ["CKV_K8S_37", "CKV_K8S_28"],
        "diffward": ["credentials/k8s-capabilities-not-dropped"],
    },
    "run-as-root": {  # checkov 23: no runAsNonRoot / runAsUser > 0; DOCKER_8/3: USER root / none
        "checkov": ["CKV_K8S_23", "CKV_DOCKER_8", "CKV_DOCKER_3"],
        "diffward": ["credentials/k8s-run-as-root", "credentials/dockerfile-root-user"],
    },
    "automount-token": {  # checkov: fails unless automountServiceAccountToken: false
        "checkov": ["CKV_K8S_38"],
        "diffward": ["credentials/k8s-automount-token"],
    },
    "k8s-default-service-account": {
        "checkov": ["CKV_K8S_41", "CKV_K8S_42"],
        "diffward": ["credentials/k8s-default-service-account"],
    },
    # --- Kubernetes RBAC ---
    "k8s-rbac-wildcard": {  # "*" in apiGroups, resources or verbs (checkov: first rule only)
        "checkov": ["CKV_K8S_49"],
        "diffward": ["credentials/k8s-rbac-wildcard"],
    },
    "k8s-rbac-escalate": {
        "checkov": ["CKV_K8S_158"],
        "diffward": ["credentials/k8s-rbac-escalate", "credentials/k8s-rbac-wildcard"],
    },
    "k8s-rbac-bind": {
        "checkov": ["CKV_K8S_157"],
        "diffward": ["credentials/k8s-rbac-bind", "credentials/k8s-rbac-wildcard"],
    },
    "k8s-rbac-webhooks": {
        "checkov": ["CKV_K8S_155"],
        "diffward": ["credentials/k8s-rbac-webhooks", "credentials/k8s-rbac-wildcard"],
    },
    "k8s-rbac-csr-approve": {
        "checkov": ["CKV_K8S_156"],
        "diffward": ["credentials/k8s-rbac-csr-approve", "credentials/k8s-rbac-wildcard"],
    },
    # checkov's graph checks below report the RoleBinding/ClusterRoleBinding whose ServiceAccount
    # or Node subject gets the permission through a Role in the same scan, not the Role itself
    "k8s-binding-bind": {
        "checkov": ["CKV2_K8S_1"],
        "diffward": ["credentials/k8s-binding-bind"],
    },
    "k8s-binding-exec-proxy": {  # create on pods/exec or nodes/proxy
        "checkov": ["CKV2_K8S_2"],
        "diffward": ["credentials/k8s-rbac-pods-exec"],
    },
    "k8s-binding-impersonate": {
        "checkov": ["CKV2_K8S_3"],
        "diffward": ["credentials/k8s-rbac-impersonate"],
    },
    "k8s-binding-read-secrets": {  # get/list/watch on secrets (or *)
        "checkov": ["CKV2_K8S_5"],
        "diffward": ["credentials/k8s-rbac-secrets"],
    },
    # --- GCP ---
    "gcp-basic-role": {  # roles/owner, roles/editor, roles/viewer at project/folder/org
        "checkov": ["CKV_GCP_115", "CKV_GCP_116", "CKV_GCP_117"],
        "diffward": ["credentials/gcp-basic-role"],
    },
    "gcp-impersonation-role": {  # roles that can act as or mint tokens for service accounts
        "checkov": ["CKV_GCP_41", "CKV_GCP_44", "CKV_GCP_45", "CKV_GCP_49"],
        "diffward": ["credentials/gcp-impersonation-role", "credentials/gcp-basic-role"],
    },
    "gcp-sa-admin-role": {  # a user-managed service account given an *Admin/editor/owner role
        "checkov": ["CKV_GCP_42"],
        "diffward": ["credentials/gcp-sa-admin-role", "credentials/gcp-basic-role"],
    },
    "gcp-default-sa-member": {  # the default compute / App Engine service account as a member
        "checkov": ["CKV_GCP_46", "CKV_GCP_47", "CKV_GCP_48"],
        "diffward": ["credentials/gcp-default-service-account"],
    },
    "gcp-instance-default-sa": {  # instance / GKE node on the default SA (31: cloud-platform scope)
        "checkov": ["CKV_GCP_30", "CKV_GCP_31", "CKV2_GCP_1"],
        "diffward": ["credentials/gcp-default-sa-full-scope", "credentials/gcp-default-service-account"],
    },
    "gcp-public-member": {  # allUsers / allAuthenticatedUsers
        "checkov": ["CKV_GCP_113", "CKV_GCP_28", "CKV_GCP_15", "CKV_GCP_98", "CKV_GCP_99",
                    "CKV_GCP_100", "CKV_GCP_101", "CKV_GCP_102", "CKV_GCP_107", "CKV_GCP_112",
                    "CKV2_GCP_6", "CKV2_GCP_8", "CKV2_GCP_9"],
        "diffward": ["credentials/gcp-public-member"],
    },
    "gcp-service-account-key": {  # google_service_account_key without public_key_data
        "checkov": ["CKV2_GCP_3"],
        "diffward": ["credentials/gcp-service-account-key"],
    },
    # --- Azure ---
    "azure-role-wildcard-actions": {  # azurerm_role_definition with "*" in permissions.actions
        "checkov": ["CKV_AZURE_39"],
        "diffward": ["credentials/azure-role-wildcard-actions"],
    },
    "azure-local-admin": {  # ACR admin_enabled = true; AKS local_account_disabled not true
        "checkov": ["CKV_AZURE_137", "CKV_AZURE_141"],
        "diffward": ["credentials/azure-admin-account"],
    },
    "azure-storage-shared-key": {  # azurerm_storage_account without shared_access_key_enabled = false
        "checkov": ["CKV2_AZURE_40"],
        "diffward": ["credentials/azure-storage-shared-key"],
    },
    # --- no checkov check: diffward findings shown apart, outside the agreement ---
    "azure-owner-assignment": {"checkov": [], "diffward": ["credentials/azure-owner-assignment"]},
    "k8s-cluster-admin-binding": {"checkov": [], "diffward": ["credentials/k8s-cluster-admin-binding"]},
    "compose-broad": {"checkov": [], "diffward": ["credentials/compose-host-network",
                                                  "credentials/compose-host-pid",
                                                  "credentials/compose-cap-add"]},
}

CHECK_MEANING = {c: m for m, v in MEANINGS.items() for c in v["checkov"]}
RULE_HOME = {}
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


def compare(repo, units, dw, rows):
    by_file = collections.defaultdict(list)
    for f in dw:
        by_file[f["file"]].append(f)
    for u in units:
        allowed = set(MEANINGS[u["meaning"]]["diffward"])
        hits = [f for f in by_file.get(u["file"], [])
                if f["rule"] in allowed and u["start"] <= f["line"] <= u["end"]]
        r = rows[u["meaning"]]
        if hits:
            r["agree"] += 1
            for f in hits:
                f["matched"] = True
            u["hit"] = hits[0]["rule"]
        else:
            r["checkov_only"].append((repo, u))
    for f in dw:
        if not f["matched"]:
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
    rows = collections.defaultdict(lambda: {"agree": 0, "checkov_only": [], "diffward_only": []})
    missing = []
    for n in names:
        ck = os.path.join(out, "checkov", n + ".json")
        dwp = os.path.join(out, "diffward", n + ".json")
        if not os.path.exists(dwp):
            missing.append(n)
            continue
        root = roots.get(n)
        compare(n, checkov_units(ck, root), diffward_findings(dwp, root), rows)
    if missing:
        print("no diffward output for: " + ", ".join(missing), file=sys.stderr)

    print("| meaning | checkov checks | agree | checkov only | diffward only | agreement |")
    print("|---|---|---:|---:|---:|---:|")
    ta = tc = td = 0
    for m, v in MEANINGS.items():
        if not v["checkov"]:
            continue
        r = rows[m]
        a, c, d = r["agree"], len(r["checkov_only"]), len(r["diffward_only"])
        if a + c + d == 0:
            continue
        ta, tc, td = ta + a, tc + c, td + d
        print(f"| {m} | {', '.join(v['checkov'])} | {a} | {c} | {d} | {100 * a / (a + c + d):.0f}% |")
    print(f"| **all compared** | | {ta} | {tc} | {td} | {100 * ta / max(ta + tc + td, 1):.1f}% |")
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
