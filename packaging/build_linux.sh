#!/usr/bin/env bash
# One command for the Linux bundle: installs what the build needs, freezes CityTwin with PyInstaller
# (packaging/citytwin.spec), assembles dist/CityTwin/ (menu entry, icons, install.sh), packs
# dist/CityTwin-<version>-linux-x86_64.tar.gz, runs the smoke test on the tarball and prints the sizes
# and the time taken.
#
# Usage: bash packaging/build_linux.sh [--no-deps] [--clean] [--no-smoke] [--quick]
#   --no-deps   do not install Debian or Python packages     --clean  rebuild PyInstaller's cache
#   --no-smoke  build only                                    --quick  smoke test without the flood run
# CITYTWIN_NO_TRIM=1 builds the untrimmed bundle (see the spec).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
deps=1 clean=() smoke=1 quick=()
for arg in "$@"; do
  case "$arg" in
    --no-deps) deps=0 ;;
    --clean) clean=(--clean) ;;
    --no-smoke) smoke=0 ;;
    --quick) quick=(--quick) ;;
    *) echo "usage: bash packaging/build_linux.sh [--no-deps] [--clean] [--no-smoke] [--quick]" >&2; exit 2 ;;
  esac
done
step() { echo; echo "== $* ($(( $(date +%s) - start )) s)"; }

if [ "$deps" = 1 ]; then
  step "Debian packages"
  # binutils: PyInstaller reads libraries with objdump; Xvfb, Mesa and the xcb libraries: the smoke
  # test runs the app on a virtual screen; desktop-file-utils: checks the menu entry.
  pkgs=(python3-venv python3-dev binutils xvfb xauth libegl1 libgl1 libglx-mesa0 libgl1-mesa-dri
        libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
        libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-xfixes0 libdbus-1-3
        libfontconfig1 fonts-dejavu-core libgomp1 desktop-file-utils util-linux)
  source packaging/debian_packages.sh
  install_debian_packages "${pkgs[@]}"

  step "Python packages (.venv, extra 'package')"
  py="${PYTHON:-python3}"
  [ -x .venv/bin/python ] || "$py" -m venv .venv
  stamp=".venv/.citytwin-package-installed"
  want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".[package]"
    echo "$want" > "$stamp"
  fi
fi
version="$(.venv/bin/python -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"

step "icons and translations"
if [ ! -f resources/icons/citytwin.ico ] || [ resources/icons/citytwin.svg -nt resources/icons/citytwin.ico ]; then
  .venv/bin/python packaging/make_icons.py
fi
if compgen -G "resources/translations/*.ts" >/dev/null; then
  bash packaging/update_translations.sh --compile-only
  ls resources/translations/*.qm
fi

step "PyInstaller"
t0=$(date +%s)
.venv/bin/pyinstaller --noconfirm "${clean[@]}" --log-level WARN --distpath dist --workpath build/pyinstaller \
    packaging/citytwin.spec
freeze_s=$(( $(date +%s) - t0 ))

step "assemble dist/CityTwin"
app=dist/CityTwin
mkdir -p "$app/share/applications"
install -m 644 packaging/linux/citytwin.desktop "$app/share/applications/citytwin.desktop"
if command -v desktop-file-validate >/dev/null; then desktop-file-validate "$app/share/applications/citytwin.desktop"; fi
for size in 16 32 48 128 256; do
  install -D -m 644 "resources/icons/citytwin-$size.png" "$app/share/icons/hicolor/${size}x${size}/apps/citytwin.png"
done
install -D -m 644 resources/icons/citytwin.svg "$app/share/icons/hicolor/scalable/apps/citytwin.svg"
install -m 755 packaging/linux/install.sh "$app/install.sh"
install -m 644 LICENSE "$app/LICENSE"
ln -sfn CityTwin "$app/citytwin-cli"  # the same executable; the name says it is used from a terminal

step "tarball"
tarball="dist/CityTwin-$version-linux-x86_64.tar.gz"
t0=$(date +%s)
gz="gzip -6"; command -v pigz >/dev/null && gz="pigz -6"  # pigz uses every core
tar -C dist --owner=0 --group=0 -cf - CityTwin | $gz > "$tarball"
tar_s=$(( $(date +%s) - t0 ))

smoke_status=0
smoke_s=0
if [ "$smoke" = 1 ]; then
  step "smoke test (the frozen app from the tarball, under Xvfb)"
  t0=$(date +%s)
  tester=python3; command -v python3 >/dev/null || tester=.venv/bin/python
  "$tester" packaging/smoke_test.py "${quick[@]}" "$tarball" || smoke_status=$?
  smoke_s=$(( $(date +%s) - t0 ))
fi

folder_kb=$(du -sk "$app" | cut -f1)
files=$(find "$app" -type f | wc -l)
tar_bytes=$(stat -c %s "$tarball")
echo
echo "== CityTwin $version, Linux x86_64"
printf '  %-28s %s\n' "bundle folder" "$app: $(( folder_kb / 1024 )) MiB on disk, $files files"
printf '  %-28s %s\n' "tarball" "$tarball: $(( tar_bytes / 1048576 )) MiB"
printf '  %-28s %s\n' "time: PyInstaller" "${freeze_s} s"
printf '  %-28s %s\n' "time: tarball" "${tar_s} s"
printf '  %-28s %s\n' "time: smoke test" "${smoke_s} s"
printf '  %-28s %s\n' "time: all" "$(( $(date +%s) - start )) s"
if [ "$smoke" = 1 ]; then
  printf '  %-28s %s\n' "smoke test" "$([ "$smoke_status" = 0 ] && echo PASSED || echo FAILED)"
fi
exit "$smoke_status"
