#!/usr/bin/env bash
# Installs the toolchains that build the checkout app in Python and in
# JavaScript (scripts/build-lang-apps.sh), pinned, from PyPI and npm only:
#
#   python  componentize-py 0.25.1, into a virtual environment made here,
#           target/lang-tools/venv (git ignores target/)
#   js      @bytecodealliance/componentize-js 0.23.0 and its dependencies,
#           exactly as components/app-js/package-lock.json has them, with
#           `npm ci` into components/app-js/node_modules (git ignores it)
#
# Usage: scripts/install-lang-toolchains.sh [python|js|all]   (default all)
#
# Idempotent: a toolchain already installed at the pinned version is left
# alone, so a second run takes well under a second. Needs Python 3 (3.11 is
# what it was tried with) with venv, and Node.js 20 with npm.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

COMPONENTIZE_PY=0.25.1
VENV="$repo/target/lang-tools/venv"
APP_JS="$repo/components/app-js"

which=${1:-all}
case "$which" in
    python|js|all) ;;
    *) echo "usage: $0 [python|js|all]" >&2; exit 2 ;;
esac

need() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "error: $1 is needed to install the $2 toolchain; $3" >&2
        exit 1
    fi
}

install_python() {
    if [ -x "$VENV/bin/componentize-py" ] &&
        [ "$("$VENV/bin/componentize-py" --version 2>/dev/null)" = "componentize-py $COMPONENTIZE_PY" ]; then
        echo "python: componentize-py $COMPONENTIZE_PY already in $VENV"
        return
    fi
    need python3 python "install Python 3.11 (Debian: apt-get install python3 python3-venv)"
    echo "python: installing componentize-py==$COMPONENTIZE_PY into $VENV (about 20 s)"
    mkdir -p "$(dirname "$VENV")"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "componentize-py==$COMPONENTIZE_PY"
    echo "python: $("$VENV/bin/componentize-py" --version)"
}

install_js() {
    # npm ci writes the lock file's copy of itself into node_modules; when the
    # two match, node_modules is what the lock file says.
    local stamp="$APP_JS/node_modules/.package-lock.json"
    if [ -f "$stamp" ] && [ -d "$APP_JS/node_modules/@bytecodealliance/componentize-js" ] &&
        [ "$stamp" -nt "$APP_JS/package-lock.json" ]; then
        echo "js: componentize-js already in $APP_JS/node_modules"
        return
    fi
    need node js "install Node.js 20 (Debian: apt-get install nodejs npm)"
    need npm js "install npm (Debian: apt-get install npm)"
    echo "js: npm ci in $APP_JS (about 20 s)"
    (cd "$APP_JS" && npm ci --no-audit --no-fund --loglevel=error)
    echo "js: componentize-js $(node -p "require('$APP_JS/node_modules/@bytecodealliance/componentize-js/package.json').version")"
}

case "$which" in
    python) install_python ;;
    js) install_js ;;
    all) install_python; install_js ;;
esac
