#!/usr/bin/env bash
# Installs what building and testing Verdict needs, skipping whatever is already there:
# the wasm target, the wasm-bindgen CLI matching Cargo.lock, the build's npm packages in tools/
# (binaryen's wasm-opt, esbuild and the policy editor's CodeMirror), and (with --tests) the npm
# packages of the browser tests and Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen's CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
wanted=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wanted" ]; then
  step "installing wasm-bindgen-cli $wanted (1–2 minutes)"
  # Not --locked: its lockfile names a crate version the registry no longer serves. Only the
  # wasm-bindgen binary, without the TLS stack its test runner downloads web drivers with
  # (2 min 11 s here on a fresh machine, against about 5 min for the whole package), and
  # unoptimised: it builds in 48 s instead of 117 s (crates already downloaded) and then takes
  # 2.3 s instead of 0.5 s on the release bundle, writing the same bytes.
  cargo install wasm-bindgen-cli --version "$wanted" --no-default-features --bin wasm-bindgen \
    --config 'profile.release.opt-level=0'
fi

# binaryen's wasm-opt shrinks the release browser bundle, and esbuild bundles the policy editor
# (tools/editor, CodeMirror): scripts/build.sh runs each when present. Without npm the build
# still works, with a larger bundle and a plain textarea for policies.
if [ ! -x tools/node_modules/.bin/wasm-opt ] || [ ! -x tools/node_modules/.bin/esbuild ] \
  || [ ! -d tools/node_modules/@codemirror/view ]; then
  if command -v npm >/dev/null 2>&1; then
    step "installing the build's npm packages (wasm-opt, esbuild, CodeMirror)"
    (cd tools && npm ci --no-audit --no-fund) \
      || echo "tools/ did not install: no wasm-opt, and a plain textarea for policies" >&2
  else
    echo "no npm: release bundles will not be optimised, and policies get a plain textarea" >&2
  fi
fi

if [ "${1:-}" = "--tests" ]; then
  # Integration tests need a process each: tests in one process share Leptos' reactive runtime,
  # and a page rendered while another test's runtime shuts down can wait forever (seen: the
  # hydration test stalled beside the policies tests under plain `cargo test`).
  if ! cargo nextest --version >/dev/null 2>&1; then
    step "installing cargo-nextest (about 5 minutes)"
    cargo install cargo-nextest --locked
  fi
  if [ ! -x /usr/bin/chromium ]; then
    step "installing Chromium from apt"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  fi
  # The receipt tests verify Verdict's signatures with an independent implementation.
  if ! python3 -c 'import cryptography' >/dev/null 2>&1; then
    step "installing Python's cryptography package"
    python3 -m pip install --quiet cryptography \
      || python3 -m pip install --quiet --break-system-packages cryptography \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-cryptography; }
  fi
  if [ ! -d end2end/node_modules/@playwright/test ]; then
    step "installing the browser tests' npm packages"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
fi
