#!/usr/bin/env python3
"""Side-by-side agreement of diffward's ci pack with zizmor on the same workflow files.

usage: compare.py ZIZMOR.json DIFFWARD.json [--list AUDIT]

ZIZMOR.json is `zizmor --format=json-v1 --offline CORPUS/` output, DIFFWARD.json is
`diffward scan --only ci --format json CORPUS/` run from CORPUS's parent (paths relative to it).
A zizmor finding agrees when diffward reports a rule of the same audit in the same file on the
same line. Only the audits both tools cover are compared; the others are listed apart.
"""
import collections
import json
import os
import sys

# zizmor audit -> the diffward rules that cover it
AUDITS = {
    "excessive-permissions": ["ci/default-permissions", "ci/write-all", "ci/permissions-widened",
                              "ci/permissions-removed", "ci/id-token-write", "ci/workflow-write-scope"],
    "dangerous-triggers": ["ci/pull-request-target", "ci/workflow-run-trigger", "ci/issue-comment-trigger"],
    "template-injection": ["ci/template-injection", "ci/template-injection-input",
                           "ci/template-injection-indirect"],
    "unpinned-uses": ["ci/unpinned-action", "ci/unpinned-first-party-action", "ci/pin-replaced-by-ref"],
    "unpinned-images": ["ci/unpinned-image", "ci/image-by-tag"],
    "artipacked": ["ci/persisted-credentials", "ci/checkout-persists-credentials"],
    "secrets-inherit": ["ci/secrets-inherit"],
    "github-env": ["ci/env-file-write-privileged"],
    "cache-poisoning": ["ci/cache-in-release"],
    "insecure-commands": ["ci/insecure-commands"],
    "bot-conditions": ["ci/bot-condition"],
    "self-hosted-runner": ["ci/self-hosted-runner-forks"],
    "overprovisioned-secrets": ["ci/all-secrets"],
    "unredacted-secrets": ["ci/secret-to-env-file"],
}
RULE_AUDIT = {r: a for a, rs in AUDITS.items() for r in rs}


def zizmor_findings(path, root):
    out = []
    for f in json.load(open(path)):
        p = [l for l in f["locations"] if l["symbolic"]["kind"] == "Primary"][0]
        key = p["symbolic"]["key"]
        file = key.get("Local", {}).get("verbatim_path") or key.get("Local", {}).get("given_path", "")
        file = os.path.relpath(file, root) if os.path.isabs(file) else file
        row = p["concrete"]["location"]["start_point"]["row"] + 1
        end = p["concrete"]["location"]["end_point"]["row"] + 1
        out.append({"audit": f["ident"], "file": os.path.normpath(file), "line": row, "end": end,
                    "severity": f["determinations"]["severity"],
                    "confidence": f["determinations"]["confidence"],
                    "what": p["symbolic"].get("annotation", ""),
                    "feature": p["concrete"]["feature"].split("\n")[0][:90]})
    return out


def diffward_findings(path):
    d = json.load(open(path))
    return [{"rule": f["rule_id"], "audit": RULE_AUDIT.get(f["rule_id"]), "file": os.path.normpath(f["path"]),
             "line": f["region"]["start_line"], "message": f["message"]} for f in d["findings"]]


def main():
    zpath, dpath = sys.argv[1], sys.argv[2]
    show = sys.argv[sys.argv.index("--list") + 1] if "--list" in sys.argv else None
    root = os.environ.get("CORPUS_ROOT", os.getcwd())
    z = zizmor_findings(zpath, root)
    d = diffward_findings(dpath)
    dw_at = collections.defaultdict(list)
    for f in d:
        dw_at[(f["audit"], f["file"], f["line"])].append(f)
    used = set()
    rows = collections.OrderedDict()
    outside = collections.Counter()
    for f in z:
        if f["audit"] not in AUDITS:
            outside[f["audit"]] += 1
            continue
        r = rows.setdefault(f["audit"], {"zizmor": 0, "both": 0, "zizmor_only": [], "diffward_only": []})
        r["zizmor"] += 1
        hit = None
        for line in range(f["line"], f["end"] + 1):
            k = (f["audit"], f["file"], line)
            if dw_at.get(k):
                hit = k
                break
        if hit:
            r["both"] += 1
            used.add(hit)
        else:
            r["zizmor_only"].append(f)
    for f in d:
        if f["audit"] is None:
            continue
        if (f["audit"], f["file"], f["line"]) not in used:
            r = rows.setdefault(f["audit"], {"zizmor": 0, "both": 0, "zizmor_only": [], "diffward_only": []})
            r["diffward_only"].append(f)
    print("| zizmor audit | zizmor | both | zizmor only | diffward only | agreement |")
    print("|---|---:|---:|---:|---:|---:|")
    tz = tb = 0
    for a, r in rows.items():
        tz += r["zizmor"]
        tb += r["both"]
        agree = f"{100 * r['both'] / r['zizmor']:.0f}%" if r["zizmor"] else "–"
        print(f"| {a} | {r['zizmor']} | {r['both']} | {len(r['zizmor_only'])} | {len(r['diffward_only'])} | {agree} |")
    print(f"| **all compared** | {tz} | {tb} | {tz - tb} | {sum(len(r['diffward_only']) for r in rows.values())} | "
          f"{100 * tb / max(tz, 1):.1f}% |")
    if outside:
        print("\nzizmor audits diffward does not cover: " + ", ".join(f"{a} {n}" for a, n in outside.most_common()))
    if show and show in rows:
        print(f"\n## {show}: zizmor only")
        for f in rows[show]["zizmor_only"]:
            print(f"{f['file']}:{f['line']}  {f['severity']}/{f['confidence']}  {f['what']}  | {f['feature']}")
        print(f"\n## {show}: diffward only")
        for f in rows[show]["diffward_only"]:
            print(f"{f['file']}:{f['line']}  {f['rule']}  {f['message'][:110]}")


if __name__ == "__main__":
    main()
