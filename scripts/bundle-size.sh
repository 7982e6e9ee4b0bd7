#!/usr/bin/env bash
# Prints the browser bundle's size as a browser downloads it: each file of the site's pkg/ and
# the totals (a page's first load, and everything), raw and gzipped (gzip -9, as a server
# compressing ahead of time would).
#   scripts/bundle-size.sh [SITE_PKG_DIR]   (default target/site/pkg)
set -euo pipefail
cd "$(dirname "$0")/.."

pkg=${1:-target/site/pkg}
if [ ! -d "$pkg" ]; then
  echo "no bundle at $pkg: run scripts/build.sh first" >&2
  exit 1
fi

human() { awk -v bytes="$1" 'BEGIN {
  if (bytes >= 1048576) printf "%.2f MB", bytes / 1048576;
  else if (bytes >= 1024) printf "%.1f kB", bytes / 1024;
  else printf "%d B", bytes }'; }

# editor.js (CodeMirror) is fetched only by the policy editor's pages, by a dynamic import once
# the page has hydrated; every other file is on every page's first load.
on_demand=" editor.js "
first=0
first_gz=0
total=0
total_gz=0
printf '%-22s %12s %12s\n' "bundle file" "size" "gzipped"
for file in "$pkg"/*; do
  [ -f "$file" ] || continue
  name=$(basename "$file")
  size=$(wc -c <"$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  total=$((total + size))
  total_gz=$((total_gz + gz))
  note=""
  if [[ "$on_demand" == *" $name "* ]]; then
    note="  (editor pages only)"
  else
    first=$((first + size))
    first_gz=$((first_gz + gz))
  fi
  printf '%-22s %12s %12s%s\n' "$name" "$(human "$size")" "$(human "$gz")" "$note"
done
printf '%-22s %12s %12s\n' "first load" "$(human "$first")" "$(human "$first_gz")"
printf '%-22s %12s %12s\n' "total" "$(human "$total")" "$(human "$total_gz")"
printf 'first load gzipped: %d bytes\n' "$first_gz"
