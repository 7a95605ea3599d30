# Sourced by .ci/run and by developers: puts a Node 24 (from the npm registry's `node`
# package, which ships the binary and its headers) first on PATH, and points node-gyp at
# those headers so native modules (keytar, better-sqlite3) build for the Node that runs them.
# Why Node 24: Electron 45 embeds Node 22+, and vitest 5, better-sqlite3 13, pdfjs-dist 6 and
# @oqs/liboqs-js need Node >= 22; the machine's own Node is 20.
FXE_NODE_HOME="${FXE_NODE_HOME:-$HOME/.cache/fxe-desk/node24}"
if [ ! -x "$FXE_NODE_HOME/node_modules/node/bin/node" ]; then
  mkdir -p "$FXE_NODE_HOME"
  (cd "$FXE_NODE_HOME" && npm install --no-save --no-package-lock --prefix "$FXE_NODE_HOME" node@24 >/dev/null)
fi
FXE_NODE_DIR="$(ls -d "$FXE_NODE_HOME"/node_modules/node/node_modules/node-*-x64 2>/dev/null | head -n1)"
export PATH="$FXE_NODE_HOME/node_modules/node/bin:$PATH"
export npm_config_nodedir="$FXE_NODE_DIR"
