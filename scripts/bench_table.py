#!/usr/bin/env python3
"""Turns criterion's estimates under target/criterion into the tables of
BENCHMARKS.md (between the <!-- NAME:start --> and <!-- NAME:end --> markers)
and the summary table of README.md (<!-- perf:... -->), from the same run.

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
# The native single-thread workloads, every peer, inside wasm (bench-guest).
IN_WASM = ["wasm_lifecycle", "wasm_get_hot", "wasm_churn", "wasm_drain"]


FUEL = ROOT / "target" / "bench-fuel-wasm.json"
CALLGRIND = ROOT / "target" / "bench-callgrind.json"
MEMORY = ROOT / "target" / "bench-memory.json"
MEMORY_WASM = ROOT / "target" / "bench-memory-wasm.json"
MEMORY_ROW = "bytes per live entry (100,000 live)"


def measured(path):
    """What a bench run wrote to `path` (JSON), or nothing if it did not."""
    return json.loads(path.read_text()) if path.exists() else {}


def memory(path=MEMORY):
    """Bytes per live entry from `cargo bench --bench memory` (or, inside
    wasm, from the wasm bench), by contender."""
    return measured(path)


def memory_row(peers, path=MEMORY):
    mem = memory(path)
    ours = mem.get(OURS)
    cells = [f"{ours:.1f}" if ours is not None else "-"]
    for p in peers:
        b = mem.get(p)
        cells.append("-" if b is None else f"{b:.1f} ({b / ours:.2f}×)" if ours else f"{b:.1f}")
    return f"| {MEMORY_ROW} | " + " | ".join(cells) + " |"


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
    if groups is NATIVE:
        rows.append(memory_row(peers))
    if groups is IN_WASM:
        rows.append(memory_row(peers, MEMORY_WASM))
    return "\n".join(rows)


def fuel(path=FUEL):
    """Instructions per step by workload and contender: inside wasm from the
    wasm bench's fuel count (`target/bench-fuel-wasm.json`), natively from
    `scripts/instructions.sh` (`target/bench-callgrind.json`)."""
    return measured(path)


def fuel_table(groups, peers, path=FUEL, what="wasm instructions per step"):
    """Instructions per step, with ratios peer ÷ this crate (above 1: this
    crate runs fewer)."""
    counts = fuel(path)
    head = f"| workload ({what}; peer (peer ÷ this crate)) | {OURS} | " + " | ".join(peers) + " |"
    rows = [head, "|" + "---|" * (len(peers) + 2)]
    for g in groups:
        row = counts.get(g, {})
        ours = row.get(OURS)
        cells = ["-" if ours is None else f"{ours:,.1f}"]
        for p in peers:
            n = row.get(p)
            cells.append("-" if n is None else f"{n:,.1f} ({n / ours:.2f}×)" if ours else f"{n:,.1f}")
        rows.append(f"| {g} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def fuel_vs_best(g, peers):
    """This crate's instructions against the fewest of any peer but the
    floors, as peer ÷ this crate."""
    row = fuel().get(g) or fuel(CALLGRIND).get(g, {})
    ours = row.get(OURS)
    counted = [row[p] for p in peers if p in row and p not in ("floor-vec", "floor-no-registry")]
    return ratio(min(counted), ours) if counted and ours else "-"


def ratio(ns, ours):
    return f"{ns / ours:.2f}×" if ns and ours else "-"


def summary():
    """Every workload in one row: this crate against the naive registry, the
    best peer of the row, and (inside wasm) wit-bindgen with no registry."""
    head = "| workload | this crate | vs naive HashMap | vs best peer | best peer | instructions vs best peer |"
    rows = [head, "|---|---|---|---|---|---|"]
    # The in-wasm rows first: wasm components are the crate's home.
    for groups, peers in ((IN_WASM, NATIVE_PEERS), (WASM, WASM_PEERS), (NATIVE, NATIVE_PEERS)):
        for g in groups:
            ours = estimate(g, OURS)
            naive = estimate(g, "naive-hashmap")
            timed = [(estimate(g, p), p) for p in peers if p != "floor-vec"]
            timed = [(ns, p) for ns, p in timed if ns is not None]
            best_ns, best = min(timed) if timed else (None, "-")
            counted = fuel_vs_best(g, peers)
            rows.append(
                f"| {g} | {fmt_ns(ours)} | {ratio(naive, ours)} | {ratio(best_ns, ours)} | {best} | {counted} |"
            )
    for label, path in ((f"{MEMORY_ROW}, in wasm", MEMORY_WASM), (MEMORY_ROW, MEMORY)):
        mem = memory(path)
        ours = mem.get(OURS)
        peers = [(b, p) for p, b in mem.items() if p not in (OURS, "floor-vec")]
        if ours and peers:
            best_b, best = min(peers)
            rows.append(
                f"| {label} | {ours:.1f} B | {ratio(mem.get('naive-hashmap'), ours)} | "
                f"{ratio(best_b, ours)} | {best} | - |"
            )
    return "\n".join(rows)


def splice(text, name, body):
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(\n<!-- {name}:end -->)", re.S)
    if not pattern.search(text):
        sys.exit(f"no {name} markers")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def main():
    doc = ROOT / "BENCHMARKS.md"
    text = doc.read_text()
    text = splice(text, "native", table(NATIVE, NATIVE_PEERS, "ns/op; peer (peer ÷ this crate)"))
    text = splice(text, "wasm", table(WASM, WASM_PEERS, "ns per lifecycle; peer (peer ÷ this crate)"))
    text = splice(text, "wasm-peers", table(IN_WASM, NATIVE_PEERS, "ns/op; peer (peer ÷ this crate)"))
    text = splice(text, "wasm-fuel", fuel_table(IN_WASM, NATIVE_PEERS))
    text = splice(text, "sdk-fuel", fuel_table(["lifecycle_in_guest"], WASM_PEERS, what="wasm instructions per span lifecycle"))
    single = [w for w in NATIVE if not w.startswith("mt_")]
    text = splice(text, "native-instructions", fuel_table(single, NATIVE_PEERS, CALLGRIND, "instructions per step"))
    doc.write_text(text)
    readme = ROOT / "README.md"
    readme.write_text(splice(readme.read_text(), "perf", summary()))
    print(table(IN_WASM, NATIVE_PEERS, "ns/op"))
    print()
    print(table(WASM, WASM_PEERS, "ns"))
    print()
    print(table(NATIVE, NATIVE_PEERS, "ns/op"))


if __name__ == "__main__":
    main()
