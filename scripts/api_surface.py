"""Counts the public API in rustdoc's JSON output of the crate.

Prints every public type with its public inherent methods (in the order the
docs list them) and the public methods of public traits, then checks the
bounds the 1.0 API keeps: at most 24 inherent methods on `ResourceRegistry`
and at most 40 methods across the crate. Trait implementations (`Clone`,
`From`, ...) are not methods a user has to learn and are not counted.

Usage: python3 scripts/api_surface.py target/doc/wit_resource_registry.json
"""
import json
import sys

REGISTRY_MAX = 24
# The compatibility layer, listed last on the docs page (`new` opens it, and
# `Default` is a trait implementation).
COMPAT = ["insert", "try_insert", "get", "contains", "remove", "len", "is_empty"]
CRATE_MAX = 40


def main(path):
    doc = json.load(open(path))
    index = doc["index"]
    root = index[str(doc["root"])]
    total = 0
    registry = None
    for item_id in root["inner"]["module"]["items"]:
        item = index[str(item_id)]
        if "use" in item["inner"]:
            target = item["inner"]["use"]["id"]
            if target is None or str(target) not in index:
                continue
            item = index[str(target)]
        kind, body = next(iter(item["inner"].items()))
        methods = []
        if kind == "trait":
            for m in body["items"]:
                if "function" in index[str(m)]["inner"]:
                    methods.append(index[str(m)]["name"])
        elif isinstance(body, dict):
            for impl_id in body.get("impls", []):
                imp = index[str(impl_id)]["inner"]["impl"]
                if imp["trait"] is not None or imp.get("is_synthetic") or imp.get("blanket_impl"):
                    continue
                for m in imp["items"]:
                    entry = index[str(m)]
                    if entry.get("visibility") == "public" and "function" in entry["inner"]:
                        methods.append(entry["name"])
        total += len(methods)
        if item["name"] == "ResourceRegistry":
            registry = methods
        print(f"{kind:9} {item['name']:18} {len(methods):3}  {' '.join(methods)}")
    print(f"ResourceRegistry: {len(registry)} public inherent methods (at most {REGISTRY_MAX})")
    print(f"crate: {total} public methods (at most {CRATE_MAX})")
    if len(registry) > REGISTRY_MAX or total > CRATE_MAX:
        print("error: the public API grew past its bounds", file=sys.stderr)
        return 1
    if registry[0] != "new":
        print(f"error: the docs open on `{registry[0]}`, not `new`", file=sys.stderr)
        return 1
    tail = set(registry[-len(COMPAT):])
    if tail != set(COMPAT):
        print(f"error: the compatibility layer is not listed last: {registry[-len(COMPAT):]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
