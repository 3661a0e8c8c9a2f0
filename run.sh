#!/usr/bin/env bash
# Set up (first time) and start the Stem Cell Center Directory, or run its test suite.
#
#   ./run.sh          install what is missing, then start the app on the bundled directory
#   ./run.sh test     install what is missing, then run the whole test suite
#   ./run.sh bundle   build the desktop bundle dist/directory-app/ (PyInstaller, one folder, no
#                     Python needed to start it) and start it once offscreen (--smoke)
#
# What it installs: the shared libraries Qt needs on Debian/Ubuntu (apt-get, when run as root or
# with sudo), PostgreSQL for the shared-database tests, and a virtual environment in .venv with
# the app and its test tools. Nothing is fetched at run time: the app works offline.
set -euo pipefail
cd "$(dirname "$0")"

QT_LIBS="libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 libxcb-image0 libxcb-randr0 libxcb-xinerama0 fonts-dejavu-core"
PG_PKGS="postgresql"
PY=${PYTHON:-python3}

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
      echo "Please install: ${missing[*]}" >&2; return 0
    fi
  fi
  echo "Installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

setup() {
  if command -v apt-get >/dev/null && command -v dpkg-query >/dev/null; then
    # shellcheck disable=SC2086
    apt_install $QT_LIBS
    [ "${1:-}" = test ] && apt_install $PG_PKGS
  fi
  if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
  fi
  if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".[test]"
    touch .venv/.installed
  fi
}

case "${1:-run}" in
  run)
    setup run
    if [ "${CI:-}" = true ]; then
      # No display and nobody to close the window: start, paint, screenshot, quit.
      QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} exec .venv/bin/directory-app --smoke
    fi
    exec .venv/bin/directory-app "${@:2}"
    ;;
  test)
    setup test
    export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
    exec .venv/bin/python -m pytest -q -p no:cacheprovider "${@:2}"
    ;;
  bundle)
    setup run
    if ! .venv/bin/python -c "import PyInstaller" 2>/dev/null || [ pyproject.toml -nt .venv/.bundle ]; then
      .venv/bin/python -m pip install -q -e ".[bundle]"
      touch .venv/.bundle
    fi
    .venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
      --distpath dist --workpath build/pyinstaller packaging/directory-app.spec
    # Start the built program as a user without this checkout's Python would: an empty
    # environment (no PATH, no virtual environment) and a scratch home folder, from elsewhere.
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    app="$PWD/dist/directory-app/directory-app"
    (cd "$scratch" && env -i HOME="$scratch" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
      "$app" --db "$scratch/smoke.db" --smoke)
    (cd "$scratch" && env -i HOME="$scratch" LANG=C.UTF-8 "$app" --version)
    # The command line of the same program, reading the bundled gazetteer from inside the bundle.
    found=$(cd "$scratch" && env -i HOME="$scratch" LANG=C.UTF-8 \
      "$app" --db "$scratch/smoke.db" search --near 44106 --limit 1)
    echo "${found%%$'\n'*}"
    echo "Bundle ready: dist/directory-app/ (start dist/directory-app/directory-app)"
    ;;
  *)
    echo "usage: ./run.sh [run|test|bundle]" >&2
    exit 2
    ;;
esac
