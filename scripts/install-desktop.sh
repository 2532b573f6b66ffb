#!/usr/bin/env bash
# Installs valueflow as a desktop app for the current user: the binary (cargo install), the
# launcher, the icon in every size desktops use, and the file type of *.vfmap.json maps.
# usage: scripts/install-desktop.sh [--uninstall]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${XDG_DATA_HOME:-$HOME/.local/share}
sizes="16 24 32 48 64 128 256 512"

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$data/applications/valueflow.desktop" "$data/mime/packages/valueflow.xml" \
        "$data/icons/hicolor/scalable/apps/valueflow.svg"
  for s in $sizes; do rm -f "$data/icons/hicolor/${s}x${s}/apps/valueflow.png"; done
  command -v update-mime-database >/dev/null && update-mime-database "$data/mime" || true
  echo "removed the launcher, icons and file type (the binary stays: cargo uninstall valueflow)"
  exit 0
fi

cargo install --locked --path .
bin="${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin/valueflow"
[ -x "$bin" ] || bin=$(command -v valueflow)

install -d "$data/applications"
# The launcher runs the installed binary by its full path: a desktop session's PATH often
# lacks ~/.cargo/bin.
sed "s#^Exec=valueflow#Exec=$bin#" assets/valueflow.desktop > "$data/applications/valueflow.desktop"
for s in $sizes; do
  install -Dm644 "assets/icons/valueflow-$s.png" "$data/icons/hicolor/${s}x${s}/apps/valueflow.png"
done
install -Dm644 assets/icons/valueflow.svg "$data/icons/hicolor/scalable/apps/valueflow.svg"
install -Dm644 assets/valueflow-mime.xml "$data/mime/packages/valueflow.xml"
command -v update-mime-database >/dev/null && update-mime-database "$data/mime" || true
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
echo "installed: $bin, $data/applications/valueflow.desktop (find valueflow in your app menu)"
