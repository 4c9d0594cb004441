#!/bin/bash
# Reliability under contention and faults (issue 15): writers wait for each
# other instead of failing, a wait that runs out names the holder and never
# blames the rows, a failed write leaves the store's file byte for byte as
# it was, fetch holds no lock while it downloads, hostile servers are cut
# off, and db:sql cannot break a transaction.
. tests/cli/lib.sh

exec 4< <(python3 tests/fetch_server.py 300)
SERVER_PID=$!
read -r PORT <&4
trap 'kill $SERVER_PID 2>/dev/null; rm -rf "$TMP"' EXIT
BASE="http://127.0.0.1:$PORT"
DB="$TMP/rel.db"
"$MUTUALS" --db "$DB" init 2>/dev/null

# The concurrency test: 20 writers at once on one store (8 imports, 8 Lua
# transactions that read and then write, 2 reports, 2 fetches). Each must
# succeed, or fail only with the busy message; every committed row is there.
twenty_writers() {
  local pids=() i
  for i in $(seq 1 8); do
    { echo name,status; for j in $(seq 1 150); do echo "Import $i mutual $j,operating"; done; } > "$TMP/m$i.csv"
  done
  cat > "$TMP/lua_writer.lua" <<'EOF'
local db = mutuals.store()
db:transaction(function()
  local before = db.sectors:count()          -- a read, then writes: never "locked" halfway
  for j = 1, 50 do db.sectors:insert{name = ("Lua %s sector %d"):format(arg[1], j), source_id = 1} end
  assert(db.sectors:count() == before + 50)
end)
EOF
  cat > "$TMP/rep.lua" <<'EOF'
local report = require "mutuals.report"
local r = report.new{title = "During the rush"}
r:table{caption = "Mutuals", columns = {"n"}, rows = {{mutuals.store().mutuals:count()}}, sources = {1}}
return r
EOF
  for i in $(seq 1 8); do
    "$MUTUALS" --db "$DB" import mutuals "$TMP/m$i.csv" > "$TMP/w.imp$i" 2>&1 & pids+=($!)
    "$MUTUALS" --db "$DB" run "$TMP/lua_writer.lua" "$i" > "$TMP/w.lua$i" 2>&1 & pids+=($!)
  done
  for i in 1 2; do
    "$MUTUALS" --db "$DB" report "$TMP/rep.lua" --out "$TMP/rush$i.html" > "$TMP/w.rep$i" 2>&1 & pids+=($!)
    "$MUTUALS" --db "$DB" fetch "$BASE/slow-ok.csv?$i" --as sectors > "$TMP/w.fetch$i" 2>&1 & pids+=($!)
  done
  local ok=0 busy=0 other=0 rc
  for p in "${pids[@]}"; do
    wait "$p"; rc=$?
    if [ "$rc" -eq 0 ]; then ok=$((ok + 1)); elif [ "$rc" -eq 75 ]; then busy=$((busy + 1)); else other=$((other + 1)); fi
  done
  echo "ok $ok busy $busy other $other"
  for f in "$TMP"/w.*; do
    # nothing on stderr but waiting notes and an import's one-line summary
    if grep -v -e "is busy: another" -e "^mutuals: [0-9]* rows\? from .*: [0-9]* inserted, 0 updated, 0 unchanged (import [0-9]*)$" "$f" |
       grep -q .; then echo "$f: $(cat "$f")"; return 1; fi
  done
  [ "$other" -eq 0 ] && [ "$ok" -eq 20 ] || return 1
  printf 'local db = mutuals.store(); print(db.mutuals:where("name", "like", "Import %%"):count(), db.sectors:where("name", "like", "Lua %%"):count(), db.sectors:where("name", "like", "Slow sector %%"):count())' > "$TMP/count.lua"
  expect_eq "$("$MUTUALS" --db "$DB" run "$TMP/count.lua")" "1200	400	200" &&
    expect_eq "$(sqlite3 "$DB" 'PRAGMA integrity_check')" "ok"
}
t "20 concurrent writers (imports, Lua transactions, reports, fetches) all commit" twenty_writers

# A writer holding the store: the next one waits; when the wait runs out, the message names the holder.
held() {
  cat > "$TMP/hold.lua" <<'EOF'
local db = mutuals.store()
db:transaction(function()
  db.sectors:insert{name = "Held " .. arg[1], source_id = 1}
  local f = io.open(arg[2], "w") f:write("holding") f:close()
  os.execute("sleep " .. arg[3])
end)
EOF
  rm -f "$TMP/holding"
  "$MUTUALS" --db "$DB" run "$TMP/hold.lua" a "$TMP/holding" 2 & local holder=$!
  for _ in $(seq 50); do [ -e "$TMP/holding" ] && break; sleep 0.1; done
  printf 'name\nWaited for\n' > "$TMP/waits.csv"
  run "$MUTUALS" --db "$DB" --wait 0.3 import sectors "$TMP/waits.csv"
  expect_eq "$rc" 75 &&
    expect_match "$err" "is busy: another writer holds it (pid $holder, .*hold.lua a .*) and 0.3 s of waiting ran out" &&
    expect_match "$err" "wait longer with --wait SECONDS" && ! expect_match "$err" "fix the rows" >/dev/null || {
      wait $holder; return 1; }
  # with time to wait, the same import goes through once the holder commits
  run "$MUTUALS" --db "$DB" --wait 10 import sectors "$TMP/waits.csv"
  wait $holder
  expect_eq "$rc" 0 && expect_eq "$(sqlite3 "$DB" "SELECT count(*) FROM sectors WHERE name IN ('Held a', 'Waited for')")" 2
}
t "a writer waits for the holder; a wait that runs out names it (pid, command) and exits 75" held

# The store's file is the same, byte for byte, after any failed write.
byte_identical() {
  local copy="$TMP/copy.db"
  "$MUTUALS" --db "$copy" init 2>/dev/null
  rm -f "$copy-wal" "$copy-shm"
  local before; before=$(sha256sum < "$copy")
  { echo name,status; for j in $(seq 1 3000); do echo "Fine $j,operating"; done; echo "Bad,operatng"; } > "$TMP/late_bad.csv"
  run "$MUTUALS" --db "$copy" import mutuals "$TMP/late_bad.csv"
  expect_eq "$rc" 1 || return 1
  printf 'mutuals.store():transaction(function(db) db.sectors:insert{name = "x", source_id = 1}; error("no") end)' > "$TMP/tx.lua"
  run "$MUTUALS" --db "$copy" run "$TMP/tx.lua"
  expect_eq "$rc" 1 || return 1
  run "$MUTUALS" --db "$copy" fetch "$BASE/wrong.csv" --as sectors
  expect_eq "$rc" 1 && expect_eq "$(sha256sum < "$copy")" "$before"
}
t "a failed import, transaction or fetch leaves the store's file byte-identical" byte_identical

# fetch downloads with no lock on the store: another writer goes through meanwhile.
fetch_unlocked() {
  "$MUTUALS" --db "$DB" fetch "$BASE/slow-ok.csv?unlocked" --as sectors > "$TMP/slowfetch.log" 2>&1 & local f=$!
  sleep 0.8
  printf 'name\nDuring a download\n' > "$TMP/during.csv"
  run "$MUTUALS" --db "$DB" --wait 0.2 import sectors "$TMP/during.csv"
  local imported=$rc
  wait $f; local fetched=$?
  expect_eq "$imported" 0 && expect_eq "$fetched" 0
}
t "fetch holds no lock while the body downloads" fetch_unlocked

hostile_servers() {
  local start=$SECONDS
  run "$MUTUALS" --db "$DB" fetch "$BASE/retry-huge.csv" --as sectors --retries 3
  expect_eq "$rc" 1 && expect_match "$err" "HTTP 503" &&
    expect_match "$err" "the server asks to wait 3600 s, beyond the retry limit of 60 s" &&
    [ $((SECONDS - start)) -lt 10 ] || return 1
  start=$SECONDS
  run "$MUTUALS" --db "$DB" fetch "$BASE/drip.csv" --as sectors --low-speed-time 2 --retries 0
  expect_eq "$rc" 1 && expect_match "$err" "stalled: less than 100 bytes a second for 2 seconds" &&
    [ $((SECONDS - start)) -lt 10 ] || return 1
  run "$MUTUALS" --db "$DB" fetch "$BASE/long-header.csv" --as sectors
  expect_eq "$rc" 1 && expect_match "$err" "refused: the server sent a header line longer than" &&
    ! expect_match "$err" "Out of memory" >/dev/null
}
t "hostile servers: a huge Retry-After, a 2-byte/s drip and a 1 MB header line are cut off clearly" hostile_servers

sql_guard() {
  cat > "$TMP/sql.lua" <<'EOF'
local db = mutuals.store()
print(db:sql("SELECT 1 AS one; -- a note")[1].one)
local ok, err = pcall(db.transaction, db, function()
  db.sectors:insert{name = "Rolled back", source_id = 1}
  db:sql("COMMIT")
end)
print(ok, (err:gsub("^.-sql: ", "sql: ")))
print(db.sectors:where{name = "Rolled back"}:count())
EOF
  run "$MUTUALS" --db "$DB" run "$TMP/sql.lua"
  expect_eq "$rc" 0 && expect_eq "$out" "1
false	sql: refused: transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT) belongs to db:transaction(fn): a COMMIT here would break its promise to roll everything back
0"
}
t "db:sql accepts a trailing comment and refuses COMMIT inside a transaction" sql_guard

# Ctrl-C during a long import: it stops, rolls back, and the REPL goes on.
interrupt_import() {
  local db="$TMP/int.db"
  "$MUTUALS" --db "$db" init 2>/dev/null
  { echo name,status; seq 1 400000 | sed 's/.*/Interrupted &,operating/'; } > "$TMP/big.csv"
  { printf 'db:import("mutuals", "%s")\n' "$TMP/big.csv"; sleep 3; printf 'print(db.mutuals:count())\n'; } |
    "$MUTUALS" --db "$db" repl > "$TMP/int.out" 2> "$TMP/int.err" &
  local repl=$!
  sleep 0.5
  kill -INT "$repl"
  wait "$repl"
  expect_eq "$(cat "$TMP/int.out")" "6" && expect_match "$(cat "$TMP/int.err")" "interrupted" || return 1
  # the same through `mutuals run`: exit 1, nothing written
  printf 'mutuals.store():import("mutuals", arg[1])' > "$TMP/imp.lua"
  "$MUTUALS" --db "$db" run "$TMP/imp.lua" "$TMP/big.csv" 2> "$TMP/int2.err" &
  local runner=$!
  sleep 0.5
  kill -INT "$runner"
  wait "$runner"
  local status=$?
  expect_eq "$status" 1 && expect_eq "$(sqlite3 "$db" 'SELECT count(*) FROM mutuals')" 6
}
t "Ctrl-C during an import stops it and rolls back; the REPL goes on" interrupt_import

# A killed report leaves no debris for long, and is shown as killed, not running forever.
killed_report() {
  cat > "$TMP/sleepy.lua" <<'EOF'
local report = require "mutuals.report"
local f = io.open(arg[1], "w") f:write("started") f:close()
os.execute("sleep 30")
return report.new{title = "never"}
EOF
  rm -f "$TMP/sleepy.started"
  "$MUTUALS" --db "$DB" report "$TMP/sleepy.lua" --out "$TMP/killed.html" -- "$TMP/sleepy.started" 2>/dev/null &
  local victim=$!
  for _ in $(seq 50); do [ -e "$TMP/sleepy.started" ] && break; sleep 0.1; done
  kill -9 "$victim"; wait "$victim" 2>/dev/null
  pkill -f "sleep 30" 2>/dev/null
  run "$MUTUALS" --db "$DB" runs --limit 1
  expect_match "$out" " killed  $TMP/sleepy.lua  ! killed: its process (pid $victim) ended without finishing" || return 1
  # debris of a dead writer (its pid in the name) goes at the next write of the same file; a live one's stays
  sh -c 'exit 0' & local dead=$!; wait $dead
  touch "$TMP/debris.html.tmp.$dead.abc123" "$TMP/debris.html.tmp.$$.abc123"
  printf 'local report = require "mutuals.report"\nlocal r = report.new{title = "t"}\nr:paragraph("x", {1})\nreturn r\n' > "$TMP/tiny.lua"
  run "$MUTUALS" --db "$DB" report "$TMP/tiny.lua" --out "$TMP/debris.html"
  expect_eq "$rc" 0 && test ! -e "$TMP/debris.html.tmp.$dead.abc123" && test -e "$TMP/debris.html.tmp.$$.abc123" || return 1
  run "$MUTUALS" --db "$DB" runs --limit abc
  expect_eq "$rc" 2
}
t "a killed report shows as killed; its temporary file is swept by the next writer" killed_report

# Bounded input: /dev/zero is refused at once in every format; a BOM is not data; messages name the field.
bounded_input() {
  for f in csv json; do
    run timeout 10 "$MUTUALS" --db "$DB" import mutuals /dev/zero --format "$f"
    expect_eq "$rc" 1 && expect_match "$err" "/dev/zero:1: cannot read.*NUL byte: not a text file" || return 1
  done
  yes abcdefgh | tr -d '\n' | head -c 2000000 > "$TMP/oneline.csv"
  MUTUALS_MAX_RECORD=1000000 run "$MUTUALS" --db "$DB" import mutuals "$TMP/oneline.csv"
  expect_eq "$rc" 1 && expect_match "$err" "a line is longer than the limit" || return 1
  printf '\357\273\277name,status\nWith a BOM,operating\n' > "$TMP/bom.csv"
  run "$MUTUALS" --db "$DB" import mutuals "$TMP/bom.csv"
  expect_eq "$rc" 0 || return 1
  printf '{\n  "name": "Pretty",\n  "status": "operatng"\n}\n' > "$TMP/pretty.json"
  run "$MUTUALS" --db "$DB" import mutuals "$TMP/pretty.json" --format json
  expect_eq "$rc" 1 && expect_match "$err" "^$TMP/pretty.json:1: status: 'operatng' is invalid: .*did you mean 'operating'" &&
    expect_eq "$(printf '%s\n' "$err" | grep -c 'pretty.json:')" 1 || return 1
  printf 'name,status,note\nA,operating,x\n"Two\nlines",operatng,"y"\n' > "$TMP/multi.csv"
  run "$MUTUALS" --db "$DB" import mutuals "$TMP/multi.csv"
  expect_match "$err" "multi.csv:3: status" || return 1
  printf '{"name": "P", "status": "operating", "parent": 5}\n' > "$TMP/parent.json"
  run "$MUTUALS" --db "$DB" import mutuals "$TMP/parent.json"
  expect_match "$err" "parent: give the body's abbrev as text" && ! expect_match "$err" "abbrev ''" >/dev/null
}
t "bounded input and clear messages: /dev/zero, a huge line, a BOM, a pretty JSON object, a multi-line record" bounded_input

export_symlink() {
  echo old > "$TMP/target.csv"
  ln -sf "$TMP/target.csv" "$TMP/link.csv"
  run "$MUTUALS" --db "$DB" export bodies --out "$TMP/link.csv"
  expect_eq "$rc" 0 && test -L "$TMP/link.csv" && grep -q DWP "$TMP/target.csv"
}
t "export --out a symlink writes the file it names and keeps the link" export_symlink

# Health pings (healthchecks.io): /start, then the URL on success or /fail with the error; a dead
# ping endpoint never fails the report.
pings() {
  printf 'local report = require "mutuals.report"\nlocal r = report.new{title = "t"}\nr:paragraph("x", {1})\nreturn r\n' > "$TMP/okrep.lua"
  printf 'error("the data is missing")\n' > "$TMP/badrep.lua"
  run "$MUTUALS" --db "$DB" report "$TMP/okrep.lua" --out "$TMP/ping-ok.html" --ping "$BASE/ping/ok"
  expect_eq "$rc" 0 || return 1
  run "$MUTUALS" --db "$DB" report "$TMP/badrep.lua" --out "$TMP/ping-bad.html" --ping "$BASE/ping/bad"
  expect_eq "$rc" 1 || return 1
  run "$MUTUALS" --db "$DB" report "$TMP/okrep.lua" --out "$TMP/ping-dead.html" --ping "http://127.0.0.1:9/ping"
  expect_eq "$rc" 0 && expect_match "$err" "the health ping failed (the report is not affected)" || return 1
  expect_eq "$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode(), end="")' "$BASE/pings")" "GET /ping/ok/start
GET /ping/ok
GET /ping/bad/start
POST /ping/bad/fail $TMP/badrep.lua:1: the data is missing"
}
t "report --ping: start, success or failure with the error; a dead endpoint never fails the report" pings

options() {
  run "$MUTUALS" --db "$DB" fetch "$BASE/good.csv" --as sectors --retries abc
  expect_eq "$rc" 2 && expect_match "$err" "fetch: --retries needs a number from 0 to 100" || return 1
  run "$MUTUALS" --db "$DB" fetch "$BASE/good.csv" --as sectors --timeout abc
  expect_eq "$rc" 2 || return 1
  run "$MUTUALS" --wait forever --db "$DB" check
  expect_eq "$rc" 2 && expect_match "$err" "--wait needs a number of seconds"
}
t "numeric options are validated" options

finish
