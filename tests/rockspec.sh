#!/bin/bash
# The rockspec builds the module, and stock lua5.4 loads it and reads the
# bundled dataset. luarocks installs into a temporary tree; nothing is fetched.
set -u
TREE=$(mktemp -d "${TMPDIR:-/tmp}/mutuals-rock-XXXXXX")
trap 'rm -rf "$TREE"' EXIT
pass=0
fail=0
if luarocks --lua-version=5.4 --tree="$TREE" make mutuals-scm-1.rockspec > "$TREE/log" 2>&1; then
  pass=$((pass + 1)); echo "ok - luarocks --lua-version=5.4 make"
else
  fail=$((fail + 1)); echo "not ok - luarocks make"; sed 's/^/# /' "$TREE/log" | tail -20
fi
out=$(cd "$TREE" && MUTUALS_DB="$TREE/store.db" LUA_CPATH="$TREE/lib/lua/5.4/?.so" lua5.4 -e '
  local mutuals = require "mutuals"
  local db <close> = assert(mutuals.open())
  print(db.mutuals:count(), db.surveys:get("csl2012").respondents, package.searchpath("mutuals", package.cpath))' 2>&1)
if [ "$out" = "6	1395	$TREE/lib/lua/5.4/mutuals.so" ]; then
  pass=$((pass + 1)); echo "ok - stock lua5.4 loads the rock's module and reads the bundled dataset"
else
  fail=$((fail + 1)); echo "not ok - stock lua5.4 with the rock's module"; echo "# got: $out"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
