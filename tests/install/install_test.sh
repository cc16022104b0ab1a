#!/usr/bin/env bash
# `cmake --install` into a temporary prefix, then everything a host or an operator does with it:
#  - the README's C example (extracted from README.md) built against the installed tree with CMake
#    (find_package) and with pkg-config, warnings as errors, and run on the installed plugin;
#  - the installed package and .pc name none of the plugin's own dependencies, and the installed .so
#    exports only the entry point;
#  - the installed host checks the installed configurations and replays the installed demo calls.
# usage: install_test.sh BUILD_DIR SOURCE_DIR C_COMPILER CMAKE_GENERATOR
set -euo pipefail
build=$1 source=$2 cc=$3 generator=$4
tmp=$(mktemp -d "${RIGHTMOMENT_TEST_TMP:-${TMPDIR:-/tmp}}/install_test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() { echo "FAILED: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" --strip > "$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install"; }
echo "installed into $prefix ($(grep -c 'Installing:' "$tmp/install.log") entries)"

# The README's first C block, as a reader would copy it.
awk '/^```c$/ {inside = 1; next} inside && /^```$/ {exit} inside' "$source/README.md" > "$tmp/readme_example.c"
[ -s "$tmp/readme_example.c" ] || fail "no C example in README.md"

# Hosts see the header and the plugin's path, never Boost, OpenSSL, spdlog or the other libraries linked
# into the .so.
pc=$(find "$prefix" -name rightmoment.pc)
[ -n "$pc" ] || fail "no rightmoment.pc installed"
package_files=$(find "$prefix" -path '*/cmake/RightMoment/*.cmake')
[ -n "$package_files" ] || fail "no CMake package installed"
# shellcheck disable=SC2086
if grep -vh '^ *#' "$pc" $package_files | grep -iE 'boost|openssl|ssl|crypto|spdlog|fmt|sqlite|pq|phonenumber|simdjson|nlohmann'; then
  fail "the installed package or .pc names a dependency of the plugin (above)"
fi
plugin_file=$(find "$prefix" -name 'librightmoment.so.*.*' -type f)
exports=$(nm -D --defined-only "$plugin_file" | awk '{print $3}' | grep -v '^$')
[ "$exports" = rightmoment_get_api ] || fail "the installed plugin exports: $exports"

# The default configuration and the operator's copy resolve to the installed data.
config=$prefix/share/rightmoment/rightmoment.jsonc
"$prefix/bin/rightmoment-host" --config "$config" --check-config
"$prefix/bin/rightmoment-host" --config "$prefix/etc/rightmoment/rightmoment.jsonc" --check-config
if grep -n "$source" "$config" "$prefix/etc/rightmoment/rightmoment.jsonc"; then fail "an installed configuration names the source tree"; fi

# The README example is a plain C program. A sanitizer build's plugin needs its sanitizer runtime
# loaded first, so for that build only the example runs with the runtime the plugin names preloaded.
# A normal build's plugin names none, and nothing is preloaded.
sanitizer_preload=$(ldd "$plugin_file" | awk '/lib(a|t|ub)san\.so/ {print $3; exit}')
[ -z "$sanitizer_preload" ] || echo "sanitizer build: the examples run with LD_PRELOAD=$sanitizer_preload"

run_example() {  # run_example NAME PROGRAM PLUGIN
  # Each on a fresh store: a second run of the same call on the first run's store resumes it from
  # the outcome record (restart continuity) instead of popping again.
  find "$prefix" -name '*.db' -o -name '*.db-wal' -o -name '*.db-shm' | xargs -r rm -f
  local rc=0
  env ${sanitizer_preload:+LD_PRELOAD="$sanitizer_preload"} "$2" "$3" "$config" > "$tmp/$1.out" 2> "$tmp/$1.err" || rc=$?
  [ "$rc" -eq 0 ] || { cat "$tmp/$1.err"; fail "$1: the example exited $rc"; }
  grep -q '"kind":"screen_pop"' "$tmp/$1.out" || { cat "$tmp/$1.out" "$tmp/$1.err"; fail "$1: no screen pop printed"; }
  echo "$1: loaded $3 and printed the screen pop"
}

# 1. CMake: find_package(RightMoment CONFIG) with only the prefix to go on.
mkdir -p "$tmp/consumer"
cp "$source/tests/install/consumer.cmake" "$tmp/consumer/CMakeLists.txt"
cmake -S "$tmp/consumer" -B "$tmp/cmake" -G "$generator" -DCMAKE_C_COMPILER="$cc" \
      -DCMAKE_PREFIX_PATH="$prefix" -DEXAMPLE_SOURCE="$tmp/readme_example.c" > "$tmp/cmake.log" \
  || { cat "$tmp/cmake.log"; fail "configuring the CMake consumer"; }
cmake --build "$tmp/cmake" > "$tmp/cmake-build.log" 2>&1 || { cat "$tmp/cmake-build.log"; fail "building the README example with CMake"; }
plugin=$(cat "$tmp/cmake/plugin_path.txt")
[ "$(realpath "$plugin")" = "$(realpath "$(cat "$tmp/cmake/plugin_target_file.txt")")" ] \
  || fail "RightMoment_PLUGIN_PATH ($plugin) is not RightMoment::plugin's file"
[ "$(realpath "$(cat "$tmp/cmake/data_dir.txt")")" = "$(realpath "$prefix/share/rightmoment")" ] || fail "RightMoment_DATA_DIR"
case "$plugin" in "$prefix"/*) ;; *) fail "RightMoment_PLUGIN_PATH is outside the prefix: $plugin" ;; esac
run_example cmake "$tmp/cmake/readme_example" "$plugin"

# 2. pkg-config, with the same flags.
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
# shellcheck disable=SC2046
"$cc" -std=c99 -Wall -Wextra -Wpedantic -Werror $(pkg-config --cflags rightmoment) "$tmp/readme_example.c" \
      $(pkg-config --libs rightmoment) -o "$tmp/pkgconfig_example" || fail "building the README example with pkg-config"
plugin=$(pkg-config --variable=plugin rightmoment)
[ "$(realpath "$plugin")" = "$(realpath "$plugin_file")" ] || fail "pkg-config's plugin variable: $plugin"
run_example pkg-config "$tmp/pkgconfig_example" "$plugin"

# 3. The installed host on the installed demo calls (the host finds its plugin by itself).
"$prefix/bin/rightmoment-host" --config "$config" --history "$prefix/share/rightmoment/demo/history.jsonl" \
    --replay "$prefix/share/rightmoment/demo/events.jsonl" > "$tmp/prompts.jsonl" 2> "$tmp/host.err" \
  || { cat "$tmp/host.err"; fail "the installed host's replay"; }
[ "$(grep -c '"kind":"screen_pop"' "$tmp/prompts.jsonl")" -gt 0 ] || fail "the installed host printed no screen pop"
echo "installed host: replayed the demo calls, $(wc -l < "$tmp/prompts.jsonl") prompts"
echo "install test passed"
