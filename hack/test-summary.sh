#!/usr/bin/env bash
# Prints one line per module and a total from the JUnit XML reports of the last Maven run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
python3 - <<'PY'
import glob, os, xml.etree.ElementTree as ET
rows, total = [], [0, 0, 0, 0, 0.0]
for module in sorted({p.split("/target/")[0] for p in glob.glob("*/target/*-reports/TEST-*.xml")}):
    t = [0, 0, 0, 0, 0.0]
    for f in glob.glob(f"{module}/target/*-reports/TEST-*.xml"):
        r = ET.parse(f).getroot()
        t[0] += int(r.get("tests", 0)); t[1] += int(r.get("failures", 0))
        t[2] += int(r.get("errors", 0)); t[3] += int(r.get("skipped", 0))
        t[4] += float(r.get("time", 0) or 0)
    rows.append((module, t))
    total = [a + b for a, b in zip(total, t)]
print("\nTest summary")
print(f"{'module':<12} {'tests':>6} {'failed':>7} {'errors':>7} {'skipped':>8} {'seconds':>8}")
for module, t in rows + [("total", total)]:
    print(f"{module:<12} {t[0]:>6} {t[1]:>7} {t[2]:>7} {t[3]:>8} {t[4]:>8.1f}")
PY
