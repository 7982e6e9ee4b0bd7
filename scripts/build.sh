#!/usr/bin/env bash
# Builds the browser bundle and the `verdict` binary: the steps cargo-leptos runs, without
# needing cargo-leptos (which takes most of an hour to install here).
#   scripts/build.sh           debug build
#   scripts/build.sh release   release build (the wasm bundle uses the `wasm-release` profile)
# The site (pkg/verdict.js, pkg/verdict_bg.wasm, pkg/verdict.css) lands in target/site.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-debug}
target_dir=${CARGO_TARGET_DIR:-target}
case "$mode" in
  debug) wasm_profile=dev; wasm_dir=debug; server_flags=() ;;
  release) wasm_profile=wasm-release; wasm_dir=wasm-release; server_flags=(--release) ;;
  *) echo "usage: scripts/build.sh [debug|release]" >&2; exit 2 ;;
esac

cargo build -p app --lib --target wasm32-unknown-unknown --no-default-features --features hydrate \
  --profile "$wasm_profile"

site=target/site
rm -rf "$site"
mkdir -p "$site/pkg"
wasm-bindgen --target web --no-typescript --out-name verdict --out-dir "$site/pkg" \
  "$target_dir/wasm32-unknown-unknown/$wasm_dir/app.wasm"
if [ "$mode" = release ] && [ -x node_modules/.bin/wasm-opt ]; then
  node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$site/pkg/verdict_bg.wasm" -o "$site/pkg/verdict_bg.wasm"
fi
cp style/main.css "$site/pkg/verdict.css"
cp -r public/. "$site/"

cargo build -p server --bin verdict "${server_flags[@]}"
