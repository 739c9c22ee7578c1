#!/usr/bin/env python3
"""Writes BENCHMARKS.md's table of the checkout app in Rust, Python and
JavaScript (between <!-- apps:start --> and <!-- apps:end -->) from one run of
`cargo bench -p telemetry-host --bench apps`: criterion's estimates under
target/criterion (app_instantiate, app_request) and the start-up figures the
bench writes to target/bench-apps.json.

Ratios are the language's time / the Rust app's time (here, above 1 means
slower than Rust).
"""
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
CRIT = ROOT / "target" / "criterion"
APPS = ["rust", "python", "js"]


def estimate(group, name):
    path = CRIT / group / name / "new" / "estimates.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    return (data.get("slope") or data.get("mean"))["point_estimate"]


def duration(ns):
    if ns is None:
        return "-"
    if ns >= 1e6:
        return f"{ns / 1e6:,.2f} ms"
    return f"{ns / 1e3:,.1f} µs"


def table():
    start = json.loads((ROOT / "target" / "bench-apps.json").read_text())
    rows = [
        "| app + SDK | composed size | compose (once) | compile (once) | instantiate | one request |",
        "|---|---|---|---|---|---|",
    ]
    base = {g: estimate(g, "rust") for g in ["app_instantiate", "app_request"]}
    for app in APPS:
        s = start[app]
        cells = [f"{s['bytes'] / 1e6:.2f} MB", f"{s['compose_s']:.2f} s", f"{s['compile_s']:.2f} s"]
        for g in ["app_instantiate", "app_request"]:
            ns = estimate(g, app)
            ratio = f" ({ns / base[g]:.1f}×)" if ns and base[g] and app != "rust" else ""
            cells.append(duration(ns) + ratio)
        rows.append(f"| {app} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main():
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text()
    block = f"<!-- apps:start -->\n{table()}\n<!-- apps:end -->"
    text, n = re.subn(r"<!-- apps:start -->.*?<!-- apps:end -->", block, text, flags=re.S)
    if n != 1:
        raise SystemExit("BENCHMARKS.md has no <!-- apps:start --> ... <!-- apps:end --> block")
    path.write_text(text)


if __name__ == "__main__":
    main()
