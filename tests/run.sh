#!/bin/bash
# Every suite, against the plain build (build/) and the AddressSanitizer +
# UndefinedBehaviorSanitizer build (build-san/): the busted specs (under
# stock lua5.4 with the module, and under the sanitized mutuals-lua), the C
# tests, the command-line tests; the read-ahead's C tests under
# ThreadSanitizer (build-tsan/); then luacheck and the rockspec. Ends with
# one line "N passed, N failed" and exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
LOG=$(mktemp -d "${TMPDIR:-/tmp}/mutuals-test-XXXXXX")
# What is untracked before the tests run (work in progress), so that only what the tests leave is debris.
UNTRACKED_BEFORE=""
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  UNTRACKED_BEFORE="$LOG/untracked.before"
  { git status --porcelain --untracked-files=all | grep '^??'; echo '?? (none)'; } > "$UNTRACKED_BEFORE"
fi
trap 'rm -rf "$LOG"' EXIT
P=0
F=0

# tally NAME LOGFILE STATUS: add the suite's closing "N passed, N failed" line.
tally() {
  local line p f
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$2" | tail -n 1)
  if [ -z "$line" ]; then
    echo "!! $1: no result line (exit $3)"
    tail -n 20 "$2" | sed 's/^/   /'
    F=$((F + 1))
    return
  fi
  p=${line%% passed*}
  f=${line#*, }
  f=${f%% failed}
  if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "!! $1: exit status $3"; tail -n 20 "$2"; fi
  grep -E '^not ok' "$2" | sed "s/^/   $1: /"
  grep -E '^#' "$2" | head -n 60 | sed 's/^/   /'
  echo "   $1: $line"
  P=$((P + p))
  F=$((F + f))
}

# busted's TAP output -> a closing line.
# busted_suite BUILD LUA [SPEC...]: the specs (all of tests/spec by default).
busted_suite() {
  local build=$1 lua=$2 log="$LOG/busted.$1"
  shift 2
  [ $# -gt 0 ] || set -- tests/spec
  LUA_CPATH="$PWD/$build/?.so;;" busted --lua="$lua" -o TAP "$@" > "$log" 2>&1
  local rc=$?
  local ok notok
  ok=$(grep -c '^ok ' "$log")
  notok=$(grep -c '^not ok ' "$log")
  grep -E '^(not ok|#)' "$log" | head -n 80 > "$log.short"
  grep -v -E '^(ok |not ok |#|1\.\.)' "$log" | head -n 40 >> "$log.short"
  echo "$ok passed, $notok failed" >> "$log.short"
  tally "busted ($build, $(basename "$lua"))" "$log.short" "$rc"
}

for build in build build-san; do
  echo "== $build"
  if [ "$build" = build ]; then
    busted_suite build lua5.4
  else
    busted_suite build-san "$PWD/build-san/mutuals-lua"
  fi
  for t in test_models test_readahead; do
    "$build/$t" > "$LOG/c.$build" 2>&1
    tally "C $t ($build)" "$LOG/c.$build" $?
  done
  # Every fuzz input ever kept (seeds and past crashes), replayed.
  "$build/fuzz_import_replay" tests/fuzz/corpus/import > "$LOG/fuzz.$build" 2>&1
  tally "fuzz corpus replay ($build)" "$LOG/fuzz.$build" $?
  "$build/fuzz_microdata_replay" tests/fuzz/corpus/microdata > "$LOG/fuzzmd.$build" 2>&1
  tally "microdata fuzz corpus replay ($build)" "$LOG/fuzzmd.$build" $?
  "$build/fuzz_calendar_replay" tests/fuzz/corpus/calendar > "$LOG/fuzzcal.$build" 2>&1
  tally "calendar fuzz corpus replay ($build)" "$LOG/fuzzcal.$build" $?
  "$build/fuzz_options_replay" tests/fuzz/corpus/options > "$LOG/fuzzopt.$build" 2>&1
  tally "option parser fuzz corpus replay ($build)" "$LOG/fuzzopt.$build" $?
  for t in tests/cli/test_*.sh; do
    BUILD=$build bash "$t" > "$LOG/cli.$build" 2>&1
    tally "$(basename "$t" .sh) ($build)" "$LOG/cli.$build" $?
  done
done

echo "== API fuzzer and valgrind"
# Every function and method called with hostile arguments, under ASan and UBSan.
# From inside the log folder: a call like mutuals.open("-1") makes a store named by its argument, in the
# current folder, which must not be the source tree.
if (root=$PWD && cd "$LOG" && "$root/build-san/mutuals-lua" "$root/tests/fuzz/api.lua" 20000 1 "$LOG") > "$LOG/api" 2>&1; then
  tail -n 1 "$LOG/api" | sed 's/^/   /'
  echo "1 passed, 0 failed" >> "$LOG/api"
else
  tail -n 30 "$LOG/api"
  echo "0 passed, 1 failed" >> "$LOG/api"
fi
tally "API fuzzer (build-san)" "$LOG/api" 0
# memcheck over the C tests, once: what the sanitizers do not see (uninitialised reads).
for t in test_models test_readahead; do
  valgrind -q --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite "build/$t" > "$LOG/vg.$t" 2>&1
  tally "valgrind $t" "$LOG/vg.$t" $?
done

echo "== build-tsan"
# The read-ahead hands a connection between threads: ThreadSanitizer checks
# the hand-over, from C and from Lua loops.
export TSAN_OPTIONS=halt_on_error=1
build-tsan/test_readahead > "$LOG/c.tsan" 2>&1
tally "C test_readahead (build-tsan)" "$LOG/c.tsan" $?
busted_suite build-tsan "$PWD/build-tsan/mutuals-lua" tests/spec/readahead_spec.lua tests/spec/collection_spec.lua \
  tests/spec/record_spec.lua

echo "== checks"
if luacheck --quiet --codes scripts tests/spec > "$LOG/lint" 2>&1; then
  echo "1 passed, 0 failed" >> "$LOG/lint"
  tally "luacheck" "$LOG/lint" 0
else
  cat "$LOG/lint"
  echo "0 passed, 1 failed" > "$LOG/lint.short"
  tally "luacheck" "$LOG/lint.short" 0
fi
bash tests/rockspec.sh > "$LOG/rock" 2>&1
tally "rockspec" "$LOG/rock" $?
# No test may leave files in the source tree (a fuzzed store name once did: "-1", "DROP TABLE mutuals").
if [ -n "$UNTRACKED_BEFORE" ]; then
  git status --porcelain --untracked-files=all | grep '^??' | grep -vxF -f "$UNTRACKED_BEFORE" > "$LOG/debris" || true
  if [ -s "$LOG/debris" ]; then
    sed 's/^/   left in the tree: /' "$LOG/debris" | head -20
    echo "0 passed, 1 failed" > "$LOG/debris.short"
  else
    echo "1 passed, 0 failed" > "$LOG/debris.short"
  fi
  tally "source tree left clean" "$LOG/debris.short" 0
fi

echo "$P passed, $F failed"
[ "$F" -eq 0 ]
