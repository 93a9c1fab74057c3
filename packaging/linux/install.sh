#!/bin/sh
# Install CityTwin for the current user (no root): the program folder goes to ~/.local/opt/CityTwin,
# a menu entry to ~/.local/share/applications, icons to ~/.local/share/icons/hicolor and a
# `citytwin` command to ~/.local/bin.
#
#   ./install.sh               copy this folder to ~/.local/opt/CityTwin and register it
#   ./install.sh --in-place    register this folder where it is (no copy)
#   ./install.sh --uninstall   remove what an install made
set -eu

here=$(cd "$(dirname "$0")" && pwd)
data="${XDG_DATA_HOME:-$HOME/.local/share}"
target="$HOME/.local/opt/CityTwin"
bindir="$HOME/.local/bin"
mode=copy
case "${1:-}" in
  "") ;;
  --in-place) mode=in-place ;;
  --uninstall) mode=uninstall ;;
  *) echo "usage: $0 [--in-place | --uninstall]" >&2; exit 2 ;;
esac

refresh() {
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
}

if [ "$mode" = uninstall ]; then
  rm -f "$data/applications/citytwin.desktop"
  for icon in "$data"/icons/hicolor/*/apps/citytwin.png "$data/icons/hicolor/scalable/apps/citytwin.svg"; do
    rm -f "$icon"
  done
  if [ -L "$bindir/citytwin" ]; then rm -f "$bindir/citytwin"; fi
  if [ -d "$target" ] && [ -x "$target/CityTwin" ] && [ "$target" != "$here" ]; then rm -rf "$target"; fi
  refresh
  echo "CityTwin removed (your projects and settings are left alone)."
  exit 0
fi

app="$here"
if [ "$mode" = copy ] && [ "$here" != "$target" ]; then
  mkdir -p "$(dirname "$target")"
  rm -rf "$target.new"
  cp -a "$here" "$target.new"
  rm -rf "$target"
  mv "$target.new" "$target"
  app="$target"
fi
case "$app" in
  *'"'* | *'`'* | *'$'* | *'\'*) echo "cannot install from a folder whose name has \", \`, \$ or \\: $app" >&2; exit 1 ;;
esac

mkdir -p "$data/applications" "$bindir"
for dir in "$app"/share/icons/hicolor/*/apps; do
  size=$(basename "$(dirname "$dir")")
  mkdir -p "$data/icons/hicolor/$size/apps"
  cp "$dir"/citytwin.* "$data/icons/hicolor/$size/apps/"
done
sed -e "s|^Exec=.*|Exec=\"$app/CityTwin\" %F|" -e "s|^TryExec=.*|TryExec=$app/CityTwin|" \
    "$app/share/applications/citytwin.desktop" > "$data/applications/citytwin.desktop"
chmod 644 "$data/applications/citytwin.desktop"
ln -sfn "$app/CityTwin" "$bindir/citytwin"
refresh
echo "CityTwin installed in $app"
echo "  menu entry: $data/applications/citytwin.desktop"
echo "  command:    $bindir/citytwin (the window; 'citytwin info FILE', 'citytwin render ...' without one)"
