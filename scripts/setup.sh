#!/usr/bin/env bash
# Installs what this machine lacks to run Tessera and its test suite, then builds it.
# Debian/Ubuntu system packages come from apt-get (as root, or through sudo); npm packages from the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."

# 20.12 brought crypto.hash(), the one-shot digest of every token check.
node_ok=$(node -p 'const [major, minor] = process.versions.node.split(".").map(Number); major > 20 || (major === 20 && minor >= 12)' 2>/dev/null || echo false)
if [ "$node_ok" != true ]; then
  echo "Tessera needs Node.js 20.12 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

# command -> Debian package that provides it (the test suite needs chromium, nginx, caddy and redis-sentinel)
declare -A packages=(
  [redis-server]=redis-server
  [redis-cli]=redis-tools
  [redis-sentinel]=redis-sentinel
  [chromium]=chromium
  [nginx]=nginx-light
  [caddy]=caddy
)
missing=()
# /usr/sbin too: nginx lives there, and it is not on every user's PATH.
for command in "${!packages[@]}"; do
  PATH="$PATH:/usr/sbin" command -v "$command" >/dev/null 2>&1 || missing+=("${packages[$command]}")
done

if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Install these with your package manager, then run this again: ${missing[*]}" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing ${missing[*]} ..."
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's caddy package starts a system-wide Caddy on :80 (admin API on :2019). Tessera only needs
  # the binary (the tests run their own Caddy on free ports), so a Caddy installed here is stopped
  # and kept from starting at boot; one that was already installed is left as it was.
  if [[ " ${missing[*]} " == *" caddy "* ]] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $sudo systemctl disable --now caddy.service >/dev/null 2>&1 || true
  fi
  # The same for redis-sentinel, which starts a system-wide sentinel on :26379: the tests run their own.
  if [[ " ${missing[*]} " == *" redis-sentinel "* ]] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $sudo systemctl disable --now redis-sentinel.service >/dev/null 2>&1 || true
  fi
fi

# npm install, not npm ci: it installs the locked versions all the same, but npm ci refuses a lock
# file that lacks optional packages for other platforms (swc's and jest's native bindings), and a
# registry mirror may not serve those at all.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi

npm run --silent build
echo "Ready: npm start serves on http://localhost:${PORT:-3000}; npm test runs the suite."
