# Shared by the command-line tests: a tiny harness over the real binary.
# BUILD names the build folder (build or build-san). Each test runs in a
# fresh HOME so the default store and history never touch the user's own.

BIN="$PWD/${BUILD:-build}"
MUTUALS="$BIN/mutuals"
LUAI="$BIN/mutuals-lua"
pass=0
fail=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mutuals-cli-XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# t NAME COMMAND...: run a check; its output goes to the log on failure.
t() {
  name=$1
  shift
  if out=$("$@" 2>&1); then
    pass=$((pass + 1))
    echo "ok - $name"
  else
    fail=$((fail + 1))
    echo "not ok - $name"
    printf '%s\n' "$out" | sed 's/^/#   /' | head -40
  fi
}

# run CMD...: run with a fresh HOME; sets $out, $err and $rc.
run() {
  home="$TMP/home.$$.$RANDOM"
  mkdir -p "$home"
  out=$(cd "$TMP" && env -u MUTUALS_DB -u XDG_DATA_HOME -u XDG_STATE_HOME HOME="$home" "$@" 2>"$TMP/stderr")
  rc=$?
  err=$(cat "$TMP/stderr")
}

expect_eq() {
  if [ "$1" != "$2" ]; then
    printf 'expected: %s\n     got: %s\n' "$2" "$1"
    return 1
  fi
}

expect_match() {
  if ! printf '%s' "$1" | grep -q -- "$2"; then
    printf 'expected to match: %s\n got: %s\n' "$2" "$1"
    return 1
  fi
}

finish() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
