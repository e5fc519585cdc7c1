#!/usr/bin/env bash
# Static checks of fooltest's CI surface; each fails the script on findings.
#
#   scripts/lint-static.sh
#
#   actionlint        .github/workflows/*.yml, testdata/workflows/*.yml and
#                     the workflows README.md and docs/*.md show (the first
#                     ```yaml block after each `<!-- workflow -->` line),
#                     checked against action.yml's inputs and outputs
#   action-validator  action.yml (as it is, and as a release commit rewrites
#                     it), and the e2e stand-in actions under
#                     testdata/actions, against GitHub's action schema
#   dockerfilelint    the Dockerfile and testdata/e2e-runner/Dockerfile with
#                     BuildKit's lint rules (internal/tools/dockerfilelint,
#                     offline)
#
# Tools are pinned and built or installed once into FOOLTEST_LINT_CACHE
# (default ~/.cache/fooltest-lint); they need the Go module proxy and the npm
# registry the first time only.
set -euo pipefail

ACTIONLINT_VERSION=v1.7.12
ACTION_VALIDATOR_VERSION=0.6.0

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${FOOLTEST_LINT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fooltest-lint}
mkdir -p "$cache/bin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"

log() { echo "lint-static: $*" >&2; }
failed=()

# --- tools ------------------------------------------------------------------
actionlint=$cache/bin/actionlint-$ACTIONLINT_VERSION
if [ ! -x "$actionlint" ]; then
  log "installing actionlint $ACTIONLINT_VERSION"
  GOBIN="$work/bin" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  mv "$work/bin/actionlint" "$actionlint"
fi
validator=$cache/npm-$ACTION_VALIDATOR_VERSION/node_modules/.bin/action-validator
if [ ! -x "$validator" ]; then
  log "installing @action-validator/cli $ACTION_VALIDATOR_VERSION"
  npm install --silent --no-audit --no-fund --prefix "$cache/npm-$ACTION_VALIDATOR_VERSION" \
    "@action-validator/cli@$ACTION_VALIDATOR_VERSION" >/dev/null
fi
# Rebuilt when its source changes; Go's build cache makes that cheap.
dockerfilelint=$cache/bin/dockerfilelint
(cd internal/tools/dockerfilelint && go build -o "$dockerfilelint" .)

# --- actionlint ---------------------------------------------------------------
# actionlint checks `uses: ./` against action.yml only inside a project
# (a folder with .github/workflows), so the workflows are linted from a
# scratch project holding copies of them next to the action. Findings are
# mapped back to the files they came from.
project=$work/project
# actionlint finds a project by its .git folder; an empty one will do.
mkdir -p "$project/.github/workflows" "$project/.git"
cp action.yml Dockerfile "$project/"
declare -A origin=()
for f in testdata/workflows/*.yml .github/workflows/*.yml .github/workflows/*.yaml; do
  [ -f "$f" ] || continue
  name=$(echo "$f" | tr '/' '_')
  cp "$f" "$project/.github/workflows/$name"
  origin[$name]=$f
done
declare -A doc_offset
# The documentation's workflows: README.md's and those of docs/*.md.
doc_workflows=0
for doc in README.md docs/*.md; do
  [ -f "$doc" ] || continue
  grep -q '^<!-- workflow -->' "$doc" || continue
  # Each marker's first ```yaml fence: where it starts, one line per marker.
  starts=$(awk '/^<!-- workflow -->/ { m = 1 } m && /^```ya?ml[[:space:]]*$/ { print NR + 1; m = 0 }' "$doc")
  markers=$(grep -c '^<!-- workflow -->' "$doc")
  if [ "$(echo "$starts" | grep -c .)" != "$markers" ]; then
    log "$doc has a <!-- workflow --> marker without a \`\`\`yaml block after it"
    failed+=(actionlint)
  fi
  n=0
  for start in $starts; do
    n=$((n + 1))
    name="$(echo "$doc" | tr '/' '_').$n.yml"
    # The documentation uses the published action; pointing it at ./
    # checks its inputs and outputs against this action.yml.
    awk -v s="$start" 'NR >= s { if (/^```/) exit; print }' "$doc" \
      | sed -E 's#uses:([[:space:]]*)fooltest/fooltest@[^[:space:]]+#uses:\1./#' >"$project/.github/workflows/$name"
    origin[$name]=$doc
    doc_offset[$name]=$((start - 1))
    doc_workflows=$((doc_workflows + 1))
  done
done
if [ "$doc_workflows" -eq 0 ]; then
  log "note: neither README.md nor docs/*.md has a <!-- workflow --> marker; no documented workflow is linted"
fi
if [ ${#origin[@]} -eq 0 ]; then
  log "no workflows to lint"
  failed+=(actionlint)
else
  log "actionlint $ACTIONLINT_VERSION: ${origin[*]}"
  out=$work/actionlint.out
  if ! (cd "$project" && "$actionlint" -no-color .github/workflows/*.yml) >"$out" 2>&1; then
    # Documentation findings: block line numbers to the file's line numbers.
    for name in "${!doc_offset[@]}"; do
      awk -v f=".github/workflows/$name" -v off="${doc_offset[$name]}" -F: -v OFS=: '$1 == f && $2 ~ /^[0-9]+$/ { $2 += off } 1' "$out" >"$out.mapped"
      mv "$out.mapped" "$out"
    done
    for name in "${!origin[@]}"; do
      sed -i "s|^\.github/workflows/$name:|${origin[$name]}:|" "$out"
    done
    cat "$out" >&2
    failed+=(actionlint)
  fi
fi

# --- action.yml schema --------------------------------------------------------
# The e2e test's stand-ins for actions/upload- and download-artifact too.
for f in action.yml testdata/actions/*/action.yml; do
  [ -f "$f" ] || continue
  log "action-validator $ACTION_VALIDATOR_VERSION: $f"
  "$validator" "$f" || failed+=(action-validator)
done
# action.yml as a release commit has it (scripts/set-action-image.sh).
mkdir -p "$work/release"
cp action.yml "$work/release/action.yml"
log "action-validator $ACTION_VALIDATOR_VERSION: action.yml with a release's runs.image"
if scripts/set-action-image.sh ghcr.io/fooltest/fooltest:v0.0.0 "$work/release/action.yml"; then
  "$validator" "$work/release/action.yml" || failed+=(action-validator)
else
  failed+=(set-action-image)
fi

# --- Dockerfile -----------------------------------------------------------------
# The action's, and the e2e test's runner image.
for f in Dockerfile testdata/e2e-runner/Dockerfile; do
  log "dockerfilelint (BuildKit rules): $f"
  "$dockerfilelint" "$f" || failed+=(dockerfilelint)
done

if [ ${#failed[@]} -gt 0 ]; then
  log "FAIL: ${failed[*]}"
  exit 1
fi
log "ok"
