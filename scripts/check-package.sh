#!/usr/bin/env bash
# The crate as published: `cargo publish --dry-run` with no warning but the
# dry run's own, no Markdown link in the package that points at a file the
# package leaves out (components/, scripts/, ... are excluded), and the public
# API within the 1.0 bounds (scripts/api-surface.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

out=$(cargo publish --dry-run -p wit-resource-registry --allow-dirty 2>&1)
if echo "$out" | grep "^warning" | grep -v "aborting upload due to dry run"; then
    echo "$out" >&2
    echo "error: cargo publish --dry-run warns" >&2
    exit 1
fi
echo "cargo publish --dry-run: clean"

files=$(cargo package --list --allow-dirty -p wit-resource-registry 2>/dev/null)
python3 - "$files" <<'PY'
import re, sys, os
files = set(sys.argv[1].split())
dead = []
for md in sorted(f for f in files if f.endswith(".md")):
    for target in re.findall(r"\]\(([^)\s]+)\)", open(md).read()):
        if re.match(r"[a-z]+://", target) or target.startswith("#"):
            continue
        path = os.path.normpath(os.path.join(os.path.dirname(md), target.split("#")[0]))
        if path not in files:
            dead.append(f"{md}: {target}")
if dead:
    print("error: links to files the package leaves out:", *dead, sep="\n  ", file=sys.stderr)
    sys.exit(1)
print(f"links: every relative link in {sum(f.endswith('.md') for f in files)} packaged Markdown files resolves")
PY

bash scripts/api-surface.sh
