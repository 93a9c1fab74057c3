#!/usr/bin/env bash
# One command to install everything CityTwin needs on Debian/Ubuntu and then
#   demo: open the demo district        test: run the whole test suite
# Usage: bash packaging/bootstrap.sh demo|test [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-demo}"; shift || true

# Debian packages: Qt's xcb platform, OpenGL for VTK, a font with Vietnamese glyphs, Xvfb for tests,
# mosquitto (the real MQTT broker the sensor tests start on 127.0.0.1; its system service is not used).
pkgs=(python3-venv python3-dev xvfb xauth libegl1 libgl1 libglx-mesa0 libgl1-mesa-dri libxkbcommon-x11-0
      libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
      libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-xfixes0 libdbus-1-3 libfontconfig1
      fonts-dejavu-core mosquitto)
source packaging/debian_packages.sh
install_debian_packages "${pkgs[@]}"

# Python packages in .venv; reinstalled only when pyproject.toml changes.
py="${PYTHON:-python3}"
"$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "CityTwin needs Python 3.11 or newer"; exit 1; }
[ -x .venv/bin/python ] || "$py" -m venv .venv
stamp=".venv/.citytwin-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test]"
  echo "$want" > "$stamp"
fi
# Translations: resources/translations/*.ts compiled to the .qm files the app loads.
bash packaging/update_translations.sh --compile-only

case "$what" in
  demo)
    exec .venv/bin/citytwin "$@" ;;
  test)
    exec xvfb-run -a -s "-screen 0 1920x1080x24 -nolisten tcp" .venv/bin/python -m pytest "$@" ;;
  *)
    echo "usage: bash packaging/bootstrap.sh demo|test"; exit 2 ;;
esac
