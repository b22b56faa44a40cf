#!/usr/bin/env bash
# Builds the book and runs the browser tests against it, in headless Chromium.
#
#   browser-tests/run.sh            # from anywhere; exits non-zero on any failure
#
# Steps: install Debian's chromium if /usr/bin/chromium is missing (apt-get,
# as root), `npm ci` here, `cargo xtask build --dest` into a temporary
# folder, then `npm test` on that folder. A failing check leaves screenshots
# in browser-artifacts/ at the repository root.
#
# Environment: CHROMIUM (default /usr/bin/chromium), BOOK_DIR (test this
# already-built site instead of building one), BROWSER_ARTIFACTS.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
chromium="${CHROMIUM:-/usr/bin/chromium}"

step() { printf '\n== %s\n' "$*"; }
started=$SECONDS

if [ ! -x "$chromium" ]; then
    step "installing Debian's chromium (no $chromium)"
    if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
        echo "error: $chromium is missing and this user cannot apt-get install it" >&2
        exit 1
    fi
    sudo_=""
    [ "$(id -u)" -ne 0 ] && sudo_="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo_ apt-get update -q || { echo "error: apt-get update failed" >&2; exit 1; }
    $sudo_ apt-get install -y -q chromium || { echo "error: apt-get install chromium failed" >&2; exit 1; }
    [ -x "$chromium" ] || { echo "error: chromium installed, but $chromium is not there" >&2; exit 1; }
fi
"$chromium" --version

# Screenshots of failing pages land here; start without stale ones.
[ -z "${BROWSER_ARTIFACTS:-}" ] && rm -rf "$root/browser-artifacts"

step "npm ci (browser-tests)"
command -v node >/dev/null || { echo "error: node is not installed" >&2; exit 1; }
(cd "$here" && npm ci --omit=dev --no-audit --no-fund)

if [ -z "${BOOK_DIR:-}" ]; then
    step "cargo xtask build"
    site="$(mktemp -d "${TMPDIR:-/tmp}/tvp-book.XXXXXX")"
    trap 'rm -rf "$site"' EXIT
    (cd "$root" && cargo xtask build --dest "$site")
    export BOOK_DIR="$site"
fi

step "npm test (site: $BOOK_DIR)"
(cd "$here" && npm test)

echo "browser tests: done in $((SECONDS - started)) s"
