#!/usr/bin/env python3
"""Print one markdown table per scenario from OUT_DIR/runs.tsv (written by run.sh).

Columns: tool, median wall, min-max wall, median cpu (user+sys), peak MiB (the
largest peak resident set over the rounds), and diffward/tool: the ratio of
diffward's wall time to the tool's, computed within each round (the runs of one
round are seconds apart, so they share the machine's load) and then the median
over rounds. Below 1 means diffward was faster.
Usage: python3 table.py OUT_DIR
"""
import csv
import statistics
import sys
from collections import defaultdict
from pathlib import Path

SCENARIOS = {
    "full": "Full tree",
    "pr": "Pull request (HEAD~N..HEAD)",
    "empty": "Empty change (--base HEAD)",
    "workflows": "GitHub workflows only (.github/workflows; diffward --only ci)",
}


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    tsv = Path(sys.argv[1]) / "runs.tsv"
    runs = defaultdict(dict)  # (scenario, tool) -> round -> row
    order = []  # tools in the order run.sh ran them
    with tsv.open(newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            key = (row["scenario"], row["tool"])
            runs[key][row["round"]] = row
            if row["tool"] not in order:
                order.append(row["tool"])

    scenarios = [s for s in SCENARIOS if any(k[0] == s for k in runs)]
    scenarios += sorted({k[0] for k in runs} - set(scenarios))
    for sc in scenarios:
        print(f"### {SCENARIOS.get(sc, sc)}\n")
        print("| tool | median wall (s) | min–max (s) | median cpu (s) | peak MiB | diffward/tool | rounds |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        base = runs.get((sc, "diffward"), {})
        for tool in order:
            rs = runs.get((sc, tool))
            if not rs:
                continue
            walls = [float(r["wall"]) for r in rs.values()]
            cpus = [float(r["cpu"]) for r in rs.values()]
            peak = max(int(r["peak_kib"]) for r in rs.values()) / 1024
            ratios = [
                float(base[k]["wall"]) / float(r["wall"])
                for k, r in rs.items()
                if k in base and float(r["wall"]) > 0
            ]
            ratio = "—" if tool == "diffward" else (
                f"{statistics.median(ratios):.2f}" if ratios else "n/a")
            bad = sorted({r["rc"] for r in rs.values() if r.get("rc") not in ("0", None)})
            note = f" (exit {','.join(bad)})" if bad else ""
            print(
                f"| {tool}{note} | {statistics.median(walls):.3f} | "
                f"{min(walls):.3f}–{max(walls):.3f} | {statistics.median(cpus):.2f} | "
                f"{peak:.0f} | {ratio} | {len(walls)} |"
            )
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
