#!/usr/bin/env bash
# Builds the browser bundle and the `verdict` binary: the steps cargo-leptos runs, without
# needing cargo-leptos (which takes most of an hour to install here).
#   scripts/build.sh           debug build
#   scripts/build.sh release   release build (the wasm bundle uses the `wasm-release` profile)
#   scripts/build.sh release --setup
#                              runs scripts/setup.sh first, beside the server's release build
#                              (which needs none of it): what scripts/run.sh does
# The site (pkg/verdict.js, pkg/verdict_bg.wasm, pkg/verdict.css, pkg/editor.js) lands in
# target/site.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/build.sh [debug|release] [--setup]" >&2; exit 2; }
mode=${1:-debug}
setup=false
case "${2:-}" in
  --setup) setup=true ;;
  "") ;;
  *) usage ;;
esac
target_dir=${CARGO_TARGET_DIR:-target}
wasm_target_dir=$target_dir
case "$mode" in
  debug) wasm_profile=dev; wasm_dir=debug; server_flags=() ;;
  release) wasm_profile=wasm-release; wasm_dir=wasm-release; server_flags=(--release) ;;
  *) usage ;;
esac

# A release build runs the server's build beside the browser bundle's. On two cores each leaves
# one idle for long stretches (the bundle is one codegen unit with fat LTO, then wasm-opt, all on
# one thread; the server waits on its two largest crates, app and server), and cargo locks a
# target directory for one build at a time, so the bundle builds in a directory of its own inside
# it. Nothing is built twice that one directory would have shared: the two share no profile
# (wasm-release is the bundle's alone), so even their proc-macros land in different folders.
# Debug builds stay one after the other in one directory, where they share proc-macros.
server_build=""
if [ "$mode" = release ]; then
  wasm_target_dir=$target_dir/wasm-bundle
  server_log=$(mktemp)
  # An interrupted or failed bundle build stops the server's build too (cargo is its child).
  trap 'if [ -n "$server_build" ]; then pkill -P "$server_build" 2>/dev/null || true; fi; rm -f "$server_log"' EXIT
  echo "== building the server (release) beside the browser bundle; its output follows when done" >&2
  (
    status=0
    cargo build -p server --bin verdict --release || status=$?
    echo "== server (release): ${SECONDS} s"
    exit "$status"
  ) >"$server_log" 2>&1 &
  server_build=$!
fi
# The set-up's slow part, the wasm-bindgen CLI, is one mostly single-threaded cargo install: beside
# the server's build it uses a core that would otherwise wait.
if $setup; then scripts/setup.sh; fi

# app is an rlib for the server; the bundle is its cdylib, asked for here alone (app/Cargo.toml).
cargo rustc -p app --lib --crate-type cdylib --target wasm32-unknown-unknown --no-default-features \
  --features hydrate --profile "$wasm_profile" --target-dir "$wasm_target_dir"

site=target/site
rm -rf "$site"
mkdir -p "$site/pkg"
echo "== browser bundle compiled: ${SECONDS} s since the build began" >&2
wasm-bindgen --target web --no-typescript --out-name verdict --out-dir "$site/pkg" \
  "$wasm_target_dir/wasm32-unknown-unknown/$wasm_dir/app.wasm"
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
    # One -Oz pass. `--converge` (repeat until it stops shrinking) saved 19 kB gzipped before
    # the views were type-erased (.cargo/config.toml); now 632 bytes (726 338 against 726 970)
    # for 67 s of a core instead of 24, taken from the server's build beside it.
    echo "== wasm-opt -Oz on the browser bundle" >&2
    "$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$site/pkg/verdict_bg.wasm" -o "$site/pkg/verdict_bg.wasm.opt"
    mv "$site/pkg/verdict_bg.wasm.opt" "$site/pkg/verdict_bg.wasm"
    echo "== wasm-opt done: ${SECONDS} s since the build began" >&2
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
  # wasm-bindgen's glue too, in release: 9.7 kB gzipped as written, about half minified.
  if [ "$mode" = release ]; then
    tools/node_modules/.bin/esbuild "$site/pkg/verdict.js" --minify --format=esm --target=es2022 \
      --log-level=warning --allow-overwrite --outfile="$site/pkg/verdict.js"
  fi
else
  echo "== no esbuild (run scripts/setup.sh): the policy editor stays a plain textarea" >&2
fi

if [ -n "$server_build" ]; then
  echo "== the site is ready (${SECONDS} s); waiting for the server's build" >&2
  status=0
  wait "$server_build" || status=$?
  server_build=""
  cat "$server_log" >&2
  if [ "$status" != 0 ]; then
    echo "== the server's release build failed (exit $status)" >&2
    exit "$status"
  fi
else
  cargo build -p server --bin verdict "${server_flags[@]}"
fi

if [ "$mode" = release ]; then
  scripts/bundle-size.sh "$site/pkg"
fi
