#!/usr/bin/env bash
# Builds and runs every benchmark client against one emulator, then prints the report (also
# written to TARGET/bench/results.md). Extra arguments go to bench-run: --calls N,
# --curl-calls N, --cold-runs N, --output FILE. See docs/BENCHMARKS.md.
#
# Needs cargo, cc, curl, python3 (with venv) and /usr/bin/time. As root it installs the
# missing Debian packages: libcurl4-openssl-dev (libcurl's headers) and time.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
built=$target/bench
mkdir -p "$built"
cd "$root"

# Installs Debian packages, refreshing the package lists once if the first try fails.
apt_install() {
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get > /dev/null; then
        echo "run.sh: install $* (not root or no apt-get)" >&2
        return 1
    fi
    apt-get install -y -q "$@" > /dev/null ||
        { apt-get update -q > /dev/null && apt-get install -y -q "$@" > /dev/null; }
}

echo "== checking tools" >&2
if [[ ! -x /usr/bin/time ]]; then
    apt_install time
fi
if ! echo '#include <curl/curl.h>' | cc -E -x c - > /dev/null 2>&1; then
    apt_install libcurl4-openssl-dev || echo "run.sh: libcurl headers missing; client 3 skipped" >&2
fi

echo "== Python SDK virtual environment in $built/venv" >&2
venv=$built/venv
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import visier_platform_sdk' 2> /dev/null; then
    rm -rf "$venv"
    if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q visier-platform-sdk; }; then
        echo "run.sh: installing visier-platform-sdk failed; client 5 skipped" >&2
        rm -rf "$venv"
    fi
fi

echo "== cargo build --release" >&2
cargo build --release -p visier-webhooks -p visier-webhooks-emulator -p visier-webhooks-bench

# A C program that fails to build is left out of the report with its reason, so an old
# binary must not stand in for it.
rm -f "$built/libcurl_client" "$built/library_client"
c_flags=(-std=c99 -O2 -Wall -Wextra -Werror)

echo "== C client with libcurl" >&2
cc "${c_flags[@]}" -o "$built/libcurl_client" bench/c/libcurl_client.c -lcurl ||
    echo "run.sh: building bench/c/libcurl_client.c failed; client 3 skipped" >&2

echo "== C client of libvisier_webhooks.so" >&2
# Programs linked against the library load it by its SONAME, libvisier_webhooks.so.MAJOR,
# which cargo does not create, so a directory of links provides both names.
library=$target/release/libvisier_webhooks.so
major=$(sed -n 's/^version = "\([0-9]*\)\..*/\1/p' Cargo.toml | head -n 1)
mkdir -p "$built/lib"
ln -sf "$library" "$built/lib/libvisier_webhooks.so"
ln -sf "$library" "$built/lib/libvisier_webhooks.so.$major"
cc "${c_flags[@]}" -I include -o "$built/library_client" bench/c/library_client.c \
    -L "$built/lib" -lvisier_webhooks -Wl,-rpath,"$built/lib" ||
    echo "run.sh: building bench/c/library_client.c failed; client 2 skipped" >&2

echo "== running" >&2
"$target/release/bench-run" --root "$root" --target-dir "$target" "$@"
