#!/usr/bin/env bash
# Builds the browser bundle and the `verdict` binary: the steps cargo-leptos runs, without
# needing cargo-leptos (which takes most of an hour to install here).
#   scripts/build.sh           debug build
#   scripts/build.sh release   release build (the wasm bundle uses the `wasm-release` profile)
# The site (pkg/verdict.js, pkg/verdict_bg.wasm, pkg/verdict.css, pkg/editor.js) lands in
# target/site.
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
# Release bundles go through binaryen's wasm-opt (the npm package scripts/setup.sh installs in
# tools/, or one on PATH); without it the bundle is only larger. The features are those rustc
# enables for wasm32-unknown-unknown, so wasm-opt keeps what the compiler emitted.
wasm_opt=""
if [ -x tools/node_modules/.bin/wasm-opt ]; then
  wasm_opt=tools/node_modules/.bin/wasm-opt
elif command -v wasm-opt >/dev/null 2>&1; then
  wasm_opt=wasm-opt
fi
if [ "$mode" = release ]; then
  if [ -n "$wasm_opt" ]; then
    echo "== wasm-opt -Oz on the browser bundle" >&2
    "$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$site/pkg/verdict_bg.wasm" -o "$site/pkg/verdict_bg.wasm.opt"
    mv "$site/pkg/verdict_bg.wasm.opt" "$site/pkg/verdict_bg.wasm"
  else
    echo "== no wasm-opt (run scripts/setup.sh to install binaryen): the bundle is not optimised" >&2
  fi
fi
cp style/main.css "$site/pkg/verdict.css"
cp -r public/. "$site/"
# The policy editor (tools/editor: CodeMirror from npm) bundled by esbuild, both installed in
# tools/ by scripts/setup.sh; without the bundle the editor pages keep their plain textarea.
if [ -x tools/node_modules/.bin/esbuild ]; then
  esbuild_flags=(--bundle --format=esm --target=es2022 --log-level=warning)
  case "$mode" in
    debug) esbuild_flags+=(--sourcemap) ;;
    release) esbuild_flags+=(--minify) ;;
  esac
  tools/node_modules/.bin/esbuild tools/editor/editor.js "${esbuild_flags[@]}" \
    --outfile="$site/pkg/editor.js"
else
  echo "== no esbuild (run scripts/setup.sh): the policy editor stays a plain textarea" >&2
fi

cargo build -p server --bin verdict "${server_flags[@]}"

if [ "$mode" = release ]; then
  scripts/bundle-size.sh "$site/pkg"
fi
