#!/usr/bin/env python3
"""Turns criterion's estimates under target/criterion into the tables of
BENCHMARKS.md (between the <!-- NAME:start --> and <!-- NAME:end --> markers).

Ratios are peer time / this crate's time: above 1 means this crate is faster.
"""
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CRIT = ROOT / "target" / "criterion"
OURS = "this-crate"

NATIVE = ["lifecycle", "get_hot", "churn", "drain", "mt_lifecycle", "mt_get"]
NATIVE_PEERS = ["naive-hashmap", "mutex-slab", "mutex-slotmap", "sharded-slab", "dashmap", "floor-vec"]
WASM = ["lifecycle_in_guest", "round_trip"]
WASM_PEERS = ["naive-hashmap", "floor-no-registry"]


def estimate(group, name):
    path = CRIT / group / name / "new" / "estimates.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    best = data.get("slope") or data.get("mean")
    return best["point_estimate"]


def fmt_ns(ns):
    if ns is None:
        return "-"
    return f"{ns / 1000:,.1f} µs" if ns >= 1_000 else f"{ns:,.1f}"


def table(groups, peers, unit_note):
    head = f"| workload ({unit_note}) | {OURS} | " + " | ".join(peers) + " |"
    rule = "|" + "---|" * (len(peers) + 2)
    rows = [head, rule]
    for g in groups:
        ours = estimate(g, OURS)
        cells = [fmt_ns(ours)]
        for p in peers:
            ns = estimate(g, p)
            if ns is None:
                cells.append("-")
            elif ours:
                cells.append(f"{fmt_ns(ns)} ({ns / ours:.2f}×)")
            else:
                cells.append(fmt_ns(ns))
        rows.append(f"| {g} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def splice(text, name, body):
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(\n<!-- {name}:end -->)", re.S)
    if not pattern.search(text):
        sys.exit(f"BENCHMARKS.md has no {name} markers")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def main():
    doc = ROOT / "BENCHMARKS.md"
    text = doc.read_text()
    text = splice(text, "native", table(NATIVE, NATIVE_PEERS, "ns/op; peer (peer ÷ this crate)"))
    text = splice(text, "wasm", table(WASM, WASM_PEERS, "ns per lifecycle; peer (peer ÷ this crate)"))
    doc.write_text(text)
    print(table(NATIVE, NATIVE_PEERS, "ns/op"))
    print()
    print(table(WASM, WASM_PEERS, "ns"))


if __name__ == "__main__":
    main()
