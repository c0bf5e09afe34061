#!/usr/bin/env bash
# The library as a service installs it, on the oldest Node.js the README supports: pack the
# tarball, install it into a fresh project (from the registry, like a user would), import it and
# make one instrumented send (test/smoke/library-smoke.mjs), and require it from CommonJS.
# Usage: scripts/ci/library-smoke.sh NODE_VERSION   (run from the repository root, after a build)
set -euo pipefail
version="${1:?usage: library-smoke.sh NODE_VERSION}"
root="$(pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

tarball="$(npm pack --silent --ignore-scripts --pack-destination "$work" | tail -1)"
. "$root/scripts/node/use-node.sh" "$version"
echo "library smoke: node $(node --version), $tarball"
cd "$work"
npm init -y > /dev/null
npm pkg set type=module
npm install --no-audit --no-fund --loglevel=error "./$tarball" > /dev/null
cp "$root/test/smoke/library-smoke.mjs" "$root/test/package/host/require-cjs.cjs" .
node library-smoke.mjs
# A CommonJS service on the same Node: require('sendlens') (require of ES modules, Node ≥ 22.12).
cjs="$(node require-cjs.cjs)"
echo "require from CommonJS: $cjs"
[ "$cjs" = '{"instrumentFetch":"function","startSendlens":"function","code":"throttling.rate_limited","instrumentation":"SendInstrumentation"}' ]
