#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/<target>/, not committed) from the
# repository's own JSON: examples, conformance scenarios and their embedded
# definitions, and the definitions test data. Also adds the saved crash
# inputs of tests/data/fuzz/<target>/. Idempotent (files are named by content).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
root=..

add() { # add TARGET FILE...
  local dir="corpus/$1"
  shift
  mkdir -p "$dir"
  for f in "$@"; do
    [ -f "$f" ] || continue
    cp "$f" "$dir/$(sha1sum "$f" | cut -c1-40)"
  done
}

add scenario_parse "$root"/examples/*.json "$root"/conformance/scenarios/*.json
add definitions_parse "$root"/tests/data/definitions/*.json "$root"/examples/*.json
# The `definitions` objects embedded in scenarios are definitions documents too.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" "$root"/examples/*.json "$root"/conformance/scenarios/*.json <<'PY'
import json, sys, os
out = sys.argv[1]
for i, path in enumerate(sys.argv[2:]):
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f).get("definitions")
    except (ValueError, AttributeError):
        continue
    if isinstance(d, dict):
        with open(os.path.join(out, f"{i}.json"), "w", encoding="utf-8") as f:
            json.dump(d, f, indent=1)
PY
add definitions_parse "$tmp"/*.json
# Saved crash inputs. For the structured targets, <name> is the raw input
# and <name>.json the decoded one the regression test replays.
for t in scenario_parse definitions_parse topic_match broker_ops; do
  for f in "$root"/tests/data/fuzz/"$t"/*; do
    case "$t:$f" in topic_match:*.json | broker_ops:*.json) continue ;; esac
    add "$t" "$f"
  done
done
for t in corpus/*; do echo "$t: $(ls "$t" | wc -l) files"; done
