#!/bin/sh
# Refresh the documentation's screenshots on purpose: copy what the last end-to-end run saved
# under test-artifacts/screenshots/ into docs/screenshots/. Run `npm test` (or just the e2e
# suite: `npx vitest run test/e2e`) first.
set -eu
cd "$(dirname "$0")/.."
src=test-artifacts/screenshots
[ -d "$src" ] || { echo "no $src yet: run the end-to-end suite first" >&2; exit 2; }
mkdir -p docs/screenshots
cp "$src"/*.png docs/screenshots/
echo "copied $(ls "$src"/*.png | wc -l) screenshots into docs/screenshots/"
