#!/usr/bin/env bash
# Prints the browser bundle's size as a browser downloads it: each file of the site's pkg/ and
# the total, raw and gzipped (gzip -9, as a server compressing ahead of time would).
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

total=0
total_gz=0
printf '%-22s %12s %12s\n' "bundle file" "size" "gzipped"
for file in "$pkg"/*; do
  [ -f "$file" ] || continue
  size=$(wc -c <"$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  total=$((total + size))
  total_gz=$((total_gz + gz))
  printf '%-22s %12s %12s\n' "$(basename "$file")" "$(human "$size")" "$(human "$gz")"
done
printf '%-22s %12s %12s\n' "total" "$(human "$total")" "$(human "$total_gz")"
