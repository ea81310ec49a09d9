#!/usr/bin/env bash
# Installs the real VS Code host used by the workbench tier and `npm start`: code-server (its bundled
# VS Code server runs the same Node extension host as desktop VS Code) into the git-ignored
# <repo>/.host/cs, and playwright-core (drives Debian's chromium) into test/host/node_modules.
# Neither is a dependency of the extension. Idempotent; needs only the npm registry and Debian mirrors.
#   CS_VERSION  code-server version (default 4.100.3 = VS Code 1.100.3, runs on Node 20)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CS_VERSION="${CS_VERSION:-4.100.3}"
CS_DIR="$ROOT/.host/cs"

# Debian packages (scripts/setup.sh installs them too; this keeps the script usable on its own).
need=()
for p in chromium ripgrep libkrb5-dev pkg-config; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

installed=$(node -p "require('$CS_DIR/node_modules/code-server/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$CS_VERSION" ] || [ ! -e "$CS_DIR/node_modules/code-server/lib/vscode/node_modules.asar" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  ( cd "$work" && npm pack --silent "code-server@$CS_VERSION" >/dev/null \
      && tar xzf code-server-*.tgz package/package.json package/lib/vscode/npm-shrinkwrap.json )
  # postinstall.sh enforces engines.node; code-server 4.100.x wants this machine's Node 20.
  want=$(node -p "require('$work/package/package.json').engines.node")
  have=$(node -p "process.versions.node.split('.')[0]")
  if [ "$want" != "$have" ]; then
    echo "setup-host: code-server $CS_VERSION needs Node $want but this is Node $have; use CS_VERSION=4.100.3 with Node 20" >&2
    exit 1
  fi
  # @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache already holds the
  # tarball: seed that cache from Debian's rg. Package version and tag are read from the packages.
  rgv=$(node -e 'const l=require(process.argv[1]);const p=l.packages["node_modules/@vscode/ripgrep"];console.log(p?p.version:"")' "$work/package/lib/vscode/npm-shrinkwrap.json")
  if [ -n "$rgv" ]; then
    ( cd "$work" && npm pack --silent "@vscode/ripgrep@$rgv" >/dev/null && tar xzf vscode-ripgrep-*.tgz package/lib/postinstall.js )
    tag=$(sed -n "s/^const VERSION = '\(.*\)';/\1/p" "$work/package/lib/postinstall.js")
    cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$rgv"
    mkdir -p "$cache" "$work/rg"; cp /usr/bin/rg "$work/rg/rg"
    tar czf "$cache/ripgrep-$tag-x86_64-unknown-linux-musl.tar.gz" -C "$work/rg" rg
  fi
  # unsafe_perm: code-server's postinstall refuses to run as root without it.
  # yes: node-pty's postinstall runs `npx node-gyp` (a ~/.npmrc may say yes=false).
  rm -rf "$CS_DIR"; mkdir -p "$CS_DIR"
  echo '{"name":"stratus-vscode-host","private":true}' > "$CS_DIR/package.json"
  echo "setup-host: installing code-server $CS_VERSION into $CS_DIR (about a minute)"
  ( cd "$CS_DIR" && npm_config_unsafe_perm=true npm_config_yes=true \
      npm install --no-audit --no-fund "code-server@$CS_VERSION" > install.log 2>&1 ) \
    || { grep -v '^gyp info' "$CS_DIR/install.log" | tail -40; echo "setup-host: code-server install failed (log: $CS_DIR/install.log)" >&2; exit 1; }
fi

# playwright-core from test/host/package.json (+ lockfile); it downloads no browser.
if [ ! -d "$HERE/node_modules/playwright-core" ] || [ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
  ( cd "$HERE" && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund >/dev/null; else npm install --no-audit --no-fund >/dev/null; fi )
fi
echo "setup-host: code-server $(node -p "require('$CS_DIR/node_modules/code-server/package.json').version") in $CS_DIR; playwright-core $(node -p "require('$HERE/node_modules/playwright-core/package.json').version"); $(chromium --version 2>/dev/null | head -1)"
