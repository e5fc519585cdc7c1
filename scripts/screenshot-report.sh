#!/usr/bin/env bash
# Renders a fooltest report.html to a PNG with headless Chromium, to check
# what the page looks like without a desktop browser.
#
#   scripts/screenshot-report.sh REPORT_DIR OUT.png
#
# REPORT_DIR is a fooltest report directory (it must hold report.html).
# The browser is $CHROMIUM if set, else the first of chromium,
# chromium-browser, google-chrome on PATH (Debian: apt-get install chromium).
# It runs offline with a throwaway profile; report.html needs nothing
# outside itself. The window is 1200×2000; SCREENSHOT_SIZE=W,H changes it.
set -euo pipefail

if [[ $# -ne 2 ]]; then
	echo "usage: $0 REPORT_DIR OUT.png" >&2
	exit 2
fi
report_dir=$1
out=$2

if [[ ! -f "$report_dir/report.html" ]]; then
	echo "$0: $report_dir/report.html not found: write the report with the html format first" >&2
	exit 2
fi

browser=${CHROMIUM:-}
if [[ -z "$browser" ]]; then
	for b in chromium chromium-browser google-chrome; do
		if command -v "$b" >/dev/null 2>&1; then
			browser=$(command -v "$b")
			break
		fi
	done
fi
if [[ -z "$browser" ]]; then
	echo "$0: no Chromium found: install it (Debian: apt-get install chromium) or set CHROMIUM" >&2
	exit 3
fi

html=$(cd "$report_dir" && pwd -P)/report.html
out_dir=$(cd "$(dirname "$out")" && pwd -P)
out_abs=$out_dir/$(basename "$out")
# A file: URL needs the characters that mean something in URLs escaped.
url=file://$(printf '%s' "$html" | sed -e 's/%/%25/g' -e 's/ /%20/g' -e 's/#/%23/g' -e 's/?/%3F/g')

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
rm -f "$out_abs"

# Chromium logs harmless D-Bus and GPU noise on stderr in containers; it is
# kept out of the way unless the screenshot fails.
log=$profile/chromium.log
if ! timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--hide-scrollbars --user-data-dir="$profile/user-data" \
	--screenshot="$out_abs" --window-size="${SCREENSHOT_SIZE:-1200,2000}" "$url" >"$log" 2>&1; then
	cat "$log" >&2
	echo "$0: $browser failed" >&2
	exit 3
fi
if [[ ! -s "$out_abs" ]]; then
	cat "$log" >&2
	echo "$0: no screenshot was written to $out_abs" >&2
	exit 3
fi
echo "$out_abs"
