#!/usr/bin/env bash
# Points action.yml at a published image instead of the Dockerfile, for a
# release commit (.github/workflows/release.yml):
#
#   scripts/set-action-image.sh IMAGE [ACTION_YML]
#
# rewrites `runs.image: Dockerfile` to `runs.image: docker://IMAGE`, so the
# runner pulls IMAGE instead of building. ACTION_YML defaults to the
# repository's action.yml. Exits 2 when IMAGE is not a plain reference or
# the file's runs.image is not Dockerfile.
set -euo pipefail

image=${1:-}
file=${2:-$(cd "$(dirname "$0")/.." && pwd)/action.yml}
if [[ ! "$image" =~ ^[a-z0-9._/:@-]+$ ]]; then
  echo "set-action-image: give the image as REGISTRY/NAME:TAG, not '$image'" >&2
  exit 2
fi
grep -qx '  image: Dockerfile' "$file" || { echo "set-action-image: $file's runs.image is not Dockerfile" >&2; exit 2; }
sed -i "s|^  image: Dockerfile\$|  image: docker://$image|" "$file"
grep -qx "  image: docker://$image" "$file"
