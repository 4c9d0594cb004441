#!/bin/bash
# Bounded and sandboxed runs: --timeout and --max-memory stop a script with
# a clear message and an untouched output; --sandbox refuses every case of
# the escape corpus (tests/sandbox), each with a message and no mark left.
. tests/cli/lib.sh

DB="$TMP/sb.db"
"$MUTUALS" --db "$DB" init 2>/dev/null
mkdir -p "$TMP/cases" "$TMP/outside"
cp tests/sandbox/*.lua "$TMP/cases/"

escapes() {
  local n=0 f mark
  for f in "$TMP"/cases/*.lua; do
    mark="$TMP/outside/$(basename "$f" .lua)"
    run "$MUTUALS" --db "$DB" run --sandbox --timeout 3 --max-memory 256 "$f" "$mark"
    if [ "$rc" -eq 0 ] || [ -z "$err" ] || [ -e "$mark" ] || [ -e "$TMP/outside/escaped" ] || [ -e /tmp/copy.db ]; then
      echo "$(basename "$f"): escaped or failed silently (exit $rc): $err"
      return 1
    fi
    echo "$(basename "$f"): $(printf '%s' "$err" | head -n 1)"
    n=$((n + 1))
  done
  expect_eq "$n" 20 && expect_eq "$(sqlite3 "$DB" 'SELECT count(*) FROM mutuals')" 6
}
# Each refusal, printed, so that the log says what stopped each case.
escapes_verbose() { escapes && printf '%s\n' "$ESCAPES" >&2; }
t "sandbox: every case of the escape corpus is refused with a message" escapes

# What a sandboxed script may do: read the store, its own folder, and write a report with charts.
sandbox_works() {
  cat > "$TMP/cases/fine.lua" <<'EOF'
local db = mutuals.store()
local f = assert(io.open(arg[1], "w")) f:write(db.mutuals:count()) f:close()
print(db:sql("SELECT count(*) AS n FROM bodies")[1].n, db.programmes:where{unit = "GBP"}:max("amount"):text())
EOF
  run "$MUTUALS" --db "$DB" run --sandbox "$TMP/cases/fine.lua" "$TMP/cases/count.txt"
  expect_eq "$rc" 0 && expect_eq "$out" "13	at least £11.5m" && expect_eq "$(cat "$TMP/cases/count.txt")" 6 || return 1
  run "$MUTUALS" --db "$DB" report "$PWD/scripts/progress.lua" --out "$TMP/p.html" --sandbox="$PWD/scripts"
  expect_eq "$rc" 0 && grep -q '<figure class="chart"><svg' "$TMP/p.html"
}
t "sandbox: reading the store, files in the folder, and a report with charts still work" sandbox_works

limits() {
  printf 'while true do end\n' > "$TMP/loop.lua"
  local start=$SECONDS
  run "$MUTUALS" --db "$DB" run --timeout 1 "$TMP/loop.lua"
  expect_eq "$rc" 1 && expect_match "$err" "stopped: the script ran longer than --timeout 1 s" &&
    [ $((SECONDS - start)) -lt 5 ] || return 1
  # a long query is stopped too (SQLite is interrupted)
  printf 'mutuals.store():sql("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c")\n' > "$TMP/q.lua"
  run "$MUTUALS" --db "$DB" run --timeout 1 "$TMP/q.lua"
  expect_eq "$rc" 1 && expect_match "$err" "ran longer than --timeout 1 s" || return 1
  printf 'local t = {} for i = 1, 1e8 do t[i] = {i} end\n' > "$TMP/grow.lua"
  run "$MUTUALS" --db "$DB" run --max-memory 50 "$TMP/grow.lua"
  expect_eq "$rc" 1 && expect_match "$err" "needed more than --max-memory 50 MiB" || return 1
  # a report stopped by a limit leaves its previous output untouched
  echo previous > "$TMP/out.html"
  cat > "$TMP/slowrep.lua" <<'EOF'
local report = require "mutuals.report"
while true do end
return report.new{title = "never"}
EOF
  run "$MUTUALS" --db "$DB" report "$TMP/slowrep.lua" --out "$TMP/out.html" --timeout 1
  expect_eq "$rc" 1 && expect_eq "$(cat "$TMP/out.html")" previous && expect_match "$err" "nothing was written" || return 1
  run "$MUTUALS" --db "$DB" run --timeout abc "$TMP/loop.lua"
  expect_eq "$rc" 2 && expect_match "$err" "run: --timeout needs a number above 0"
}
t "--timeout and --max-memory stop a script with a clear message; the output is untouched" limits

finish
