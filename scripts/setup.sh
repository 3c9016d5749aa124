#!/usr/bin/env bash
# Installs what this machine lacks to run Tessera and its test suite, then builds it.
# Debian/Ubuntu system packages come from apt-get (as root, or through sudo); npm packages from the lock file.
# `npm start` needs redis-server, so setup fails without it. The test suite's own programs are
# installed too where possible; one that cannot be is named in a warning and setup goes on, except
# in CI (CI set), which runs the whole suite and so needs every one of them.
set -euo pipefail
cd "$(dirname "$0")/.."

# 20.12 brought crypto.hash(), the one-shot digest of every token check.
node_ok=$(node -p 'const [major, minor] = process.versions.node.split(".").map(Number); major > 20 || (major === 20 && minor >= 12)' 2>/dev/null || echo false)
if [ "$node_ok" != true ]; then
  echo "Tessera needs Node.js 20.12 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

# command -> Debian package that provides it
declare -A packages=(
  [redis-server]=redis-server
  [redis-cli]=redis-tools
  [redis-sentinel]=redis-sentinel
  [chromium]=chromium
  [nginx]=nginx-light
  [caddy]=caddy
)
needed_to_start=(redis-server)
# redis-cli builds the test Cluster; the others run the Sentinel, browser and gateway tests.
needed_for_tests=(redis-cli redis-sentinel chromium nginx caddy)

# The packages whose commands are missing. /usr/sbin too: nginx lives there, and it is not on every user's PATH.
missing_packages() {
  local command
  for command in "$@"; do
    PATH="$PATH:/usr/sbin" command -v "$command" >/dev/null 2>&1 || echo "${packages[$command]}"
  done
}

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
can_install() {
  command -v apt-get >/dev/null 2>&1 && { [ -z "$sudo" ] || command -v sudo >/dev/null 2>&1; }
}
apt_updated=false
apt_install() {
  if [ "$apt_updated" = false ]; then
    $sudo apt-get update -qq
    apt_updated=true
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

mapfile -t missing_for_start < <(missing_packages "${needed_to_start[@]}")
mapfile -t missing_for_tests < <(missing_packages "${needed_for_tests[@]}")

if [ ${#missing_for_start[@]} -gt 0 ]; then
  if ! can_install; then
    echo "npm start needs redis-server: install ${missing_for_start[*]} with your package manager, then run this again." >&2
    exit 1
  fi
  echo "Installing ${missing_for_start[*]} ..."
  apt_install "${missing_for_start[@]}"
fi

not_installed=()
if [ ${#missing_for_tests[@]} -gt 0 ]; then
  if can_install; then
    echo "Installing ${missing_for_tests[*]} for the test suite ..."
    if ! apt_install "${missing_for_tests[@]}"; then
      # One package apt cannot have fails the whole command: take the others one by one.
      for package in "${missing_for_tests[@]}"; do
        apt_install "$package" || not_installed+=("$package")
      done
    fi
  else
    not_installed=("${missing_for_tests[@]}")
  fi
fi

installed_here() {
  [[ " ${missing_for_tests[*]} " == *" $1 "* && " ${not_installed[*]} " != *" $1 "* ]]
}
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  # Debian's caddy package starts a system-wide Caddy on :80 (admin API on :2019), and its
  # redis-sentinel a sentinel on :26379. The tests only need the binaries (they run their own on free
  # ports), so one installed here is stopped and kept from starting at boot; one that was already
  # installed is left as it was.
  if installed_here caddy; then $sudo systemctl disable --now caddy.service >/dev/null 2>&1 || true; fi
  if installed_here redis-sentinel; then $sudo systemctl disable --now redis-sentinel.service >/dev/null 2>&1 || true; fi
fi

if [ ${#not_installed[@]} -gt 0 ]; then
  if [ -n "${CI:-}" ]; then
    echo "CI runs the whole test suite, which needs these: ${not_installed[*]}. Install them, then run this again." >&2
    exit 1
  fi
  echo "Warning: could not install ${not_installed[*]} (no apt-get, or it refused them). npm start does not need them;" \
    "the tests that use them (Cluster, Sentinel, browser, gateway) fail until you install them with your package manager." >&2
fi

# npm install, not npm ci: it installs the locked versions all the same, but npm ci refuses a lock
# file that lacks optional packages for other platforms (swc's and jest's native bindings), and a
# registry mirror may not serve those at all.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi

npm run --silent build
echo "Ready: npm start serves on http://localhost:${PORT:-3000}; npm test runs the suite."
