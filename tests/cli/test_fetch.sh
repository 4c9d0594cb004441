#!/bin/bash
# Remote data against a real HTTP server on 127.0.0.1 that this script
# starts and stops (tests/fetch_server.py). Nothing here touches the
# internet. Each case checks the store afterwards.
. tests/cli/lib.sh

# A self-signed certificate for 127.0.0.1, made fresh for this run.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1
mkdir -p "$TMP/files"   # what the server serves under /files/: exports written by the tests
exec 4< <(FETCH_FILES="$TMP/files" python3 tests/fetch_server.py 300 "$TMP/cert.pem" "$TMP/key.pem")
SERVER_PID=$!
read -r PORT <&4
read -r TLS_PORT <&4
trap 'kill $SERVER_PID 2>/dev/null; rm -rf "$TMP"' EXIT
BASE="http://127.0.0.1:$PORT"
DB="$TMP/fetch.db"

fetch() { run "$MUTUALS" --db "$DB" fetch "$@"; }
sectors() { "$MUTUALS" --db "$DB" export sectors | md5sum; }
count_from() {   # count_from URL: sectors whose source is that URL
  printf 'local db = mutuals.store(); local s = db.sources:get(arg[1]); print(s and s.rows, s and db.sectors:where{source_id = s.id}:count())' \
    > "$TMP/count.lua"
  "$MUTUALS" --db "$DB" run "$TMP/count.lua" "$1"
}

good_csv() {
  fetch "$BASE/good.csv" --as sectors
  expect_eq "$rc" 0 && expect_eq "$out" "" && expect_eq "$err" "" &&
    expect_eq "$(count_from "$BASE/good.csv")" "2	2"
}
t "good CSV is imported and recorded as a source" good_csv

peer_export() {
  # a peer's export (natural keys, no store ids) fetched into a store that has the same bundled rows and more:
  # the rows it shares are matched and left alone, the new ones inserted, in one transaction
  local peer="$TMP/peer.db" mine="$TMP/mine.db"
  "$MUTUALS" --db "$peer" init 2>/dev/null && "$MUTUALS" --db "$mine" init 2>/dev/null || return 1
  printf 'name,parent,status,source\nPeer Mutual,MoJ,proposed,seed002\n' > "$TMP/new.csv"
  "$MUTUALS" --db "$peer" import mutuals "$TMP/new.csv" 2>/dev/null || return 1
  "$MUTUALS" --db "$peer" export mutuals --out "$TMP/files/mutuals.csv" || return 1
  run "$MUTUALS" --db "$mine" fetch "$BASE/files/mutuals.csv" --as mutuals
  expect_eq "$rc" 0 || return 1
  printf 'local db = mutuals.store(); print(db.mutuals:count(), db.mutuals:get("Peer Mutual").parent.abbrev)' > "$TMP/peer.lua"
  expect_eq "$("$MUTUALS" --db "$mine" run "$TMP/peer.lua")" "7	MoJ" || return 1
  # fetched again (the same URL): the rows it gave are replaced by the same, nothing doubles
  run "$MUTUALS" --db "$mine" fetch "$BASE/files/mutuals.csv" --as mutuals
  expect_eq "$rc" 0 && expect_eq "$("$MUTUALS" --db "$mine" run "$TMP/peer.lua")" "7	MoJ" || return 1
  # and the two stores now export the same mutuals
  expect_eq "$("$MUTUALS" --db "$mine" export mutuals --fields name,parent,status | md5sum)" \
            "$("$MUTUALS" --db "$peer" export mutuals --fields name,parent,status | md5sum)"
}
t "a peer's export fetched merges by natural key: shared rows kept, new ones added, a refetch doubles nothing" peer_export

source_record() {
  printf 'local s = mutuals.store().sources:get(arg[1]); print(s.kind, s.etag, s.last_modified, #s.sha256, s.fetched_at ~= nil)' \
    > "$TMP/src.lua"
  out=$("$MUTUALS" --db "$DB" run "$TMP/src.lua" "$BASE/good.csv")
  expect_eq "$out" "remote	\"v1\"	Tue, 26 Jun 2012 09:00:00 GMT	64	true" &&
    expect_eq "$(printf 'name\nTransport /good.csv\nPrisons /good.csv\n' | sha256sum | cut -d' ' -f1)" \
              "$("$MUTUALS" --db "$DB" run <(printf 'print(mutuals.store().sources:get(arg[1]).sha256)') "$BASE/good.csv")"
}
t "the source keeps URL, validators, SHA-256 and fetch time" source_record

not_modified() {
  before=$(sectors)
  fetch "$BASE/good.csv" --as sectors
  expect_eq "$rc" 0 && expect_match "$err" "not modified: kept the 2 sectors stored" && expect_eq "$(sectors)" "$before"
}
t "a repeated request gets 304 and keeps the stored rows" not_modified

resync() {
  fetch "$BASE/versioned.csv" --as sectors && fetch "$BASE/versioned.csv" --as sectors &&
    expect_eq "$(count_from "$BASE/versioned.csv")" "2	2" || return 1
  fetch "$BASE/versioned.csv" --as sectors   # third request: the server has a new version
  expect_eq "$rc" 0 && expect_eq "$(count_from "$BASE/versioned.csv")" "3	3"
}
t "a changed dataset replaces the rows the URL gave before" resync

offline() {
  fetch "$BASE/good.csv" --as sectors --offline
  expect_eq "$rc" 0 && expect_match "$err" "offline: using the 2 sectors fetched from $BASE/good.csv" || return 1
  fetch "$BASE/never.csv" --as sectors --offline
  expect_eq "$rc" 1 && expect_match "$err" "offline, and this URL has never been fetched"
}
t "--offline works from what is stored and says so" offline

good_json() {
  fetch "$BASE/good.json" --as sectors
  expect_eq "$rc" 0 && expect_eq "$(count_from "$BASE/good.json")" "2	2"
}
t "good JSON is imported" good_json

failure() {   # failure NAME PATTERN ARGS...: fails with a message naming the URL; store unchanged
  local path=$1 pattern=$2
  shift 2
  before=$(sectors)
  fetch "$BASE$path" --as sectors "$@"
  expect_eq "$rc" 1 && expect_match "$err" "mutuals: fetch: $BASE$path" && expect_match "$err" "$pattern" &&
    expect_eq "$(sectors)" "$before" &&
    expect_eq "$("$MUTUALS" --db "$DB" run <(printf 'print((mutuals.store().sources:get(arg[1])))') "$BASE$path")" "nil"
}
t "404 is an error, not retried" failure /missing.csv "HTTP 404 (not found: check the URL)$"
t "403 is not retried" failure /forbidden.csv "HTTP 403$"
t "persistent 503 gives up after the retries" failure /always500.csv "HTTP 503 (after 3 attempts)" --retries 2
t "a body that stops halfway" failure /truncated.csv "stopped early\|transfer closed" --retries 0
t "a body over the size limit" failure /big.csv "larger than the limit of 100000 bytes" --max-bytes 100000
t "a very slow body times out" failure /slow.csv "imed out\|timeout" --timeout 1.5 --retries 0
t "a redirect chain that is too long" failure /redirect/9 "too many redirects"
t "a redirect to file:// is refused" failure /to-file "only http and https are allowed"
t "wrong content is rejected with the row errors" failure /wrong.csv "not a valid CSV file of sectors"
refused() {
  run "$MUTUALS" --db "$DB" fetch "http://127.0.0.1:1/x.csv" --as sectors --retries 0
  expect_eq "$rc" 1 && expect_match "$err" "http://127.0.0.1:1/x.csv: .*\(ouldn't connect\|onnection refused\)"
}
t "connection refused" refused

non_http() {
  run "$MUTUALS" --db "$DB" fetch "file:///etc/passwd" --as sectors
  expect_eq "$rc" 1 && expect_match "$err" "only http and https are allowed"
}
t "a file:// URL is refused outright" non_http

retry_500() {
  fetch "$BASE/flaky.csv" --as sectors
  expect_eq "$rc" 0 && expect_eq "$(count_from "$BASE/flaky.csv")" "2	2"
}
t "500 then success: retried" retry_500

retry_429() {
  start=$(date +%s.%N)
  fetch "$BASE/busy.csv" --as sectors
  end=$(date +%s.%N)
  expect_eq "$rc" 0 && expect_eq "$(count_from "$BASE/busy.csv")" "2	2" &&
    python3 -c "import sys; sys.exit(0 if $end - $start >= 0.9 else 1)" || { echo "Retry-After not honoured"; return 1; }
}
t "429 with Retry-After: waits, then succeeds" retry_429

gzip_body() {
  fetch "$BASE/gzip.csv" --as sectors
  expect_eq "$rc" 0 && expect_eq "$(count_from "$BASE/gzip.csv")" "2	2"
}
t "gzip content encoding is accepted" gzip_body

user_agent() {
  fetch "$BASE/ua.csv" --as sectors
  expect_eq "$rc" 0 &&
    expect_match "$("$MUTUALS" --db "$DB" export sectors)" '"mutuals/0.1.0 (libcurl)"'
}
t "the User-Agent names the program and version" user_agent

lua_fetch() {
  cat > "$TMP/f.lua" <<EOF
local r = assert(mutuals.fetch("$BASE/good.csv"))
print(r.status, r.body == "name\nTransport /good.csv\nPrisons /good.csv\n", r.headers.etag, r.attempts)
local again = assert(mutuals.fetch("$BASE/good.csv", {etag = r.headers.etag}))
print(again.status, again.not_modified, again.body)
local nope, msg = mutuals.fetch("$BASE/missing.csv")
print(nope, msg)
local db = mutuals.store()
local s = assert(db:sync("sectors", "$BASE/good.json"))
print(s.rows, s.not_modified, s.source.kind)
local bad, why = db:sync("sectors", "$BASE/wrong.csv")
print(bad, (why:gsub("\n.*", "")))
EOF
  out=$("$MUTUALS" --db "$TMP/lua.db" run "$TMP/f.lua")
  expect_eq "$out" "200	true	\"v1\"	1
304	true	
nil	$BASE/missing.csv: HTTP 404 (not found: check the URL)
2	false	remote
nil	$BASE/wrong.csv: the data is not a valid CSV file of sectors: nothing was written"
}
t "mutuals.fetch and db:sync from Lua" lua_fetch

no_progress_when_piped() {
  fetch "$BASE/big.csv" --as sectors
  expect_eq "$rc" 0 && expect_eq "$err" ""
}
t "no progress bar when stderr is not a terminal" no_progress_when_piped

tls_untrusted() {
  before=$(sectors)
  run "$MUTUALS" --db "$DB" fetch "https://127.0.0.1:$TLS_PORT/good.csv" --as sectors
  expect_eq "$rc" 1 && expect_match "$err" "https://127.0.0.1:$TLS_PORT/good.csv: TLS verification failed" &&
    expect_eq "$(sectors)" "$before"
}
t "an untrusted TLS certificate is refused, never downgraded" tls_untrusted

tls_trusted() {
  cat > "$TMP/tls.lua" <<EOF
local r = assert(mutuals.fetch("https://127.0.0.1:$TLS_PORT/good.csv", {ca_file = "$TMP/cert.pem"}))
print(r.status, #r.body)
EOF
  out=$("$MUTUALS" --db "$DB" run "$TMP/tls.lua")
  expect_eq "$out" "200	43"
}
t "the same server is accepted once its certificate is trusted" tls_trusted

progress_on_terminal() {
  # script(1) gives the command a terminal: the progress bar appears, then is cleared.
  out=$(script -qec "$MUTUALS --db $TMP/progress.db fetch $BASE/big.csv --as sectors" /dev/null)
  expect_match "$out" "MB" && expect_match "$out" $'\033\\[K'
}
t "a progress bar on stderr when it is a terminal" progress_on_terminal

kill $SERVER_PID 2>/dev/null
finish
