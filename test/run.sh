#!/bin/sh
# The whole test command (README: `npm test`). Lint and type-check first, build the three
# bundles (the end-to-end suite drives the real renderer build), then every suite under a
# private D-Bus session with a fresh, unlocked gnome-keyring, so the keychain tests use a
# real Secret Service. Nothing is skipped: a missing piece is an error that says what to
# install.
set -eu
cd "$(dirname "$0")/.."
for tool in dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null 2>&1 || { echo "test: '$tool' is missing: apt-get install dbus-x11 gnome-keyring (see .ci/run)" >&2; exit 2; }
done
npx eslint .
npx tsc --noEmit -p tsconfig.json
npx tsc --noEmit -p tsconfig.shared.json
npm run build >/dev/null
# The CLI tests run the built `bin` bundle, as users do (test/services/helpers.ts: runCli).
export FXE_TEST_CLI=bundle
# The keyring daemon keeps its files under $XDG_DATA_HOME/keyrings. A login keyring left by
# an earlier run with another password would stay locked, so the daemon gets a new folder
# each run (only the daemon: clients reach it over D-Bus).
keyrings=$(mktemp -d)
trap 'rm -rf "$keyrings"' EXIT
export FXE_TEST_KEYRING_HOME="$keyrings"
mkdir -p test-artifacts
status=0
dbus-run-session -- sh -c '
  echo -n fxe-test | XDG_DATA_HOME="$FXE_TEST_KEYRING_HOME" gnome-keyring-daemon --unlock --components=secrets >/dev/null
  FXE_TEST_KEYCHAIN=secret-service npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@"' vitest "$@" || status=$?
# One plain closing line with the counts, whatever reporter output came before it.
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-artifacts/vitest.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
exit "$status"
