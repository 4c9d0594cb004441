#!/bin/bash
# Reports run unattended: atomic output, the lock, the run history, the
# schedule, and the shipped reports rendered by headless Chromium.
. tests/cli/lib.sh

DB="$TMP/report.db"
SCRIPTS="$PWD/scripts"
rep() { run "$MUTUALS" --db "$DB" report "$@"; }

cat > "$TMP/ok.lua" <<'EOF'
local report = require "mutuals.report"
local r = report.new{title = "Small report"}
r:table{caption = "Args", columns = {"n", "value"}, rows = {{1, arg[1] or "none"}}, sources = {1}}
return r
EOF
cat > "$TMP/fails.lua" <<'EOF'
local report = require "mutuals.report"
local r = report.new{title = "Broken"}
r:paragraph("half way")
error("the data for this report is missing")
EOF
printf 'return 42\n' > "$TMP/notreport.lua"
cat > "$TMP/slow.lua" <<'EOF'
local report = require "mutuals.report"
local f = io.open(arg[1], "w") f:write("started") f:close()
os.execute("sleep 2")
return report.new{title = "Slow"}
EOF

writes_html() {
  rep "$TMP/ok.lua" --out "$TMP/out.html" -- hello
  expect_eq "$rc" 0 && expect_eq "$out" "" && expect_eq "$err" "" &&
    grep -q '<td>1</td><td>hello</td>' "$TMP/out.html" && grep -q "Sources" "$TMP/out.html" &&
    expect_eq "$(umask 022; rm -f "$TMP/mode.html"; "$MUTUALS" --db "$DB" report "$TMP/ok.lua" --out "$TMP/mode.html"; stat -c %a "$TMP/mode.html")" 644
}
t "report: writes the HTML page quietly" writes_html

formats() {
  rep "$TMP/ok.lua" --out "$TMP/out.md" && expect_eq "$rc" 0 && grep -q '^# Small report' "$TMP/out.md" &&
  rep "$TMP/ok.lua" --out "$TMP/out.csv" && expect_eq "$(head -n 3 "$TMP/out.csv")" "table,row,column,text,value,qualifier,lo,hi,unit,as_of,sources
Args,1,n,1,1,exact,1,1,,,[1]
Args,1,value,none,,,,,,,[1]" &&
  rep "$TMP/ok.lua" --out "$TMP/out.json" && grep -q '"title":"Small report"' "$TMP/out.json" &&
  rep "$TMP/ok.lua" --out "$TMP/other.txt" --format md && grep -q '^# Small report' "$TMP/other.txt"
}
t "report: the format follows the extension or --format" formats

atomic() {
  printf 'previous version\n' > "$TMP/keep.html"
  rep "$TMP/fails.lua" --out "$TMP/keep.html"
  expect_eq "$rc" 1 && expect_match "$err" "fails.lua:4: the data for this report is missing" &&
    expect_eq "$(cat "$TMP/keep.html")" "previous version" &&
    ! ls "$TMP" | grep -q 'keep.html.tmp'
}
t "report: a script failing midway leaves the previous output as it was" atomic

not_a_report() {
  rep "$TMP/notreport.lua" --out "$TMP/x.html"
  expect_eq "$rc" 1 && expect_match "$err" "must return a report" && test ! -e "$TMP/x.html"
}
t "report: a script that returns no report is an error" not_a_report

unwritable() {
  rep "$TMP/ok.lua" --out "$TMP/no/such/dir/x.html"
  expect_eq "$rc" 1 && expect_match "$err" "no/such/dir/x.html"
}
t "report: an output that cannot be written is an error" unwritable

lock() {
  "$MUTUALS" --db "$DB" report "$TMP/slow.lua" --out "$TMP/slow.html" -- "$TMP/started" 2>"$TMP/first.err" &
  local first=$!
  for _ in $(seq 50); do [ -e "$TMP/started" ] && break; sleep 0.1; done
  rep "$TMP/ok.lua" --out "$TMP/slow.html"
  expect_eq "$rc" 75 && expect_match "$err" "another run is writing $TMP/slow.html" || { wait $first; return 1; }
  rep "$TMP/ok.lua" --out "$TMP/slow.html" --wait
  local second=$rc
  wait $first
  local first_rc=$?
  expect_eq "$first_rc" 0 && expect_eq "$second" 0 && grep -q "Small report" "$TMP/slow.html"
}
t "report: two runs of one report never overlap (exit 75, or --wait)" lock

history() {
  out=$("$MUTUALS" --db "$DB" runs)
  expect_match "$out" "^id    started (UTC)" &&
    expect_match "$out" " 0       $TMP/ok.lua -> $TMP/out.html" &&
    expect_match "$out" " 1       $TMP/fails.lua  ! $TMP/fails.lua:4: the data for this report is missing" || return 1
  printf 'local r = mutuals.store().runs:where{script = arg[1]}:first(); print(r.sha256, r.args, r.status, r.finished_at ~= nil)' > "$TMP/h.lua"
  out=$("$MUTUALS" --db "$DB" run "$TMP/h.lua" "$TMP/ok.lua")
  expect_eq "$out" "$(sha256sum < "$TMP/ok.lua" | cut -d' ' -f1)	[\"hello\"]	0	true"
}
t "runs: every run is recorded with script hash, arguments, status, outputs, error" history

schedule() {
  run "$MUTUALS" --db "$DB" schedule "$SCRIPTS/progress.lua" --out "$TMP/p.html" --on "Mon *-*-* 06:30:00"
  expect_eq "$rc" 0 &&
    expect_match "$out" "^30 6 \* \* 1 '$MUTUALS' --db '$DB' report '$SCRIPTS/progress.lua' --out '$TMP/p.html'" &&
    expect_match "$out" "^OnCalendar=Mon \*-\*-\* 06:30:00$" && expect_match "$out" "^Type=oneshot$" &&
    expect_match "$out" "mutuals-progress.timer" || return 1
  run "$MUTUALS" --db "$DB" schedule "$SCRIPTS/progress.lua" --out "$TMP/p.html" --on "daily"
  expect_match "$out" "^0 0 \* \* \* " || return 1
  run "$MUTUALS" --db "$DB" schedule "$SCRIPTS/progress.lua" --out "$TMP/p.html" --on "*-*-01 04:00:00"
  expect_eq "$rc" 0 && expect_match "$out" "^0 4 1 \* \* " || return 1
  run "$MUTUALS" --db "$DB" schedule "$SCRIPTS/progress.lua" --out "$TMP/p.html" --on "Mon *-*-01 04:00:00"
  expect_eq "$rc" 2 && expect_match "$err" "give one with --cron" || return 1
  run "$MUTUALS" --db "$DB" schedule "$SCRIPTS/progress.lua" --out "$TMP/p.html" --on "Mon *-*-01 04:00:00" \
    --cron '0 4 1 * *'
  expect_eq "$rc" 0 && expect_match "$out" "^0 4 1 \* \* " || return 1
  run "$MUTUALS" --db "$DB" schedule "$SCRIPTS/progress.lua" --out "$TMP/p.html" --on "daily" --cron 'every day'
  expect_eq "$rc" 2 && expect_match "$err" "not five crontab fields"
}
t "schedule: crontab line and systemd units" schedule

no_gnuplot() {
  # gnuplot off the PATH: the report fails saying how to install it, and the output is left alone
  printf 'previous\n' > "$TMP/ng.html"
  out=$(cd "$TMP" && env PATH=/nonexistent "$MUTUALS" --db "$DB" report "$SCRIPTS/progress.lua" --out "$TMP/ng.html" 2>&1)
  rc=$?
  expect_eq "$rc" 1 && expect_match "$out" '3 charts need gnuplot, which is not installed: apt-get install gnuplot-nox' &&
    expect_match "$out" 'mutuals report --no-charts' && expect_eq "$(cat "$TMP/ng.html")" "previous" || return 1
  # --no-charts: the rest is written, each chart's data shown as a table with a note (gnuplot there or not)
  for path in /nonexistent "$PATH"; do
    out=$(cd "$TMP" && env PATH="$path" "$MUTUALS" --db "$DB" report "$SCRIPTS/progress.lua" --out "$TMP/ng.html" \
          --no-charts 2>&1)
    rc=$?
    expect_eq "$rc" 0 && grep -q 'chart left out: rendered without charts' "$TMP/ng.html" && ! grep -q '<svg' "$TMP/ng.html" &&
      grep -q '<h2>Sources</h2>' "$TMP/ng.html" || return 1
  done
  # the Markdown and data formats too; CSV and JSON never needed gnuplot
  out=$(cd "$TMP" && env PATH=/nonexistent "$MUTUALS" --db "$DB" report "$SCRIPTS/progress.lua" --out - --format md \
        --no-charts 2>&1) && expect_match "$out" 'chart left out' || return 1
  out=$(cd "$TMP" && env PATH=/nonexistent "$MUTUALS" --db "$DB" report "$SCRIPTS/progress.lua" --out - --format json 2>&1) &&
    expect_match "$out" '"type":"chart"'
}
t "report: without gnuplot it fails saying how to install it, unless --no-charts (each chart's data as a table)" no_gnuplot

schedule_calendar() {
  run "$MUTUALS" --db "$DB" schedule "$SCRIPTS/progress.lua" --out "$TMP/p.html" --on "Mon..Fri *:0/15"
  expect_eq "$rc" 0 && expect_match "$out" "^0-59/15 \* \* \* 1,2,3,4,5 " &&
    expect_match "$out" "^OnCalendar=Mon..Fri \*:0/15$" || return 1
  for bad in "*-*-* 6:00junk|the minute '00junk'" "*-*-* 24:00|the hour '24' is out of range" \
             "Funday 06:00|'Funday'" "*-02-30 06:00|never happens" "Mon 06:00 Europe/London|no time zones" \
             "*-*-* 06:00:00.5|the second"; do
    run "$MUTUALS" --db "$DB" schedule "$SCRIPTS/progress.lua" --out "$TMP/p.html" --on "${bad%%|*}"
    expect_eq "$rc" 2 && expect_match "$err" "${bad#*|}" || { echo "for --on '${bad%%|*}'"; return 1; }
  done
}
t "schedule: calendars checked as systemd reads them (weekday ranges, repetitions), bad ones refused with the part" schedule_calendar

schedule_limits() {
  run "$MUTUALS" --db "$DB" schedule "$SCRIPTS/progress.lua" --out "$TMP/p.html" --on daily
  expect_match "$out" "^TimeoutStartSec=3600$" && ! expect_match "$out" "^OnFailure=" >/dev/null || return 1
  run "$MUTUALS" --db "$DB" schedule "$SCRIPTS/progress.lua" --out "$TMP/p.html" --on daily --time-limit 900 \
    --on-failure 'notify@%n.service'
  expect_eq "$rc" 0 && expect_match "$out" "^TimeoutStartSec=900$" && expect_match "$out" "^OnFailure=notify@%n.service$" ||
    return 1
  run "$MUTUALS" --db "$DB" schedule "$SCRIPTS/progress.lua" --out "$TMP/p.html" --on daily --on-failure 'x;rm -rf'
  expect_eq "$rc" 2 && expect_match "$err" "is not a unit name" || return 1
  run "$MUTUALS" --db "$DB" schedule "$SCRIPTS/progress.lua" --out "$TMP/p.html" --on daily --time-limit 1h
  expect_eq "$rc" 2 && expect_match "$err" "whole seconds"
}
t "schedule: the unit has a time limit (its --wait included) and, when asked, an OnFailure unit" schedule_limits

# The calendar parser against systemd itself (make test-deps installs systemd for systemd-analyze): on a table
# of expressions, mutuals accepts exactly what systemd accepts, except the forms it refuses on purpose, each
# named; and the units it writes pass systemd-analyze verify.
schedule_vs_systemd() {
  local e ours theirs
  while IFS='|' read -r e why; do
    [ -n "$e" ] || continue
    "$MUTUALS" --db "$DB" schedule "$SCRIPTS/progress.lua" --out "$TMP/p.html" --on "$e" --cron '0 6 * * *' \
      >/dev/null 2>"$TMP/cal.err" && ours=accepts || ours=refuses
    systemd-analyze calendar "$e" >/dev/null 2>&1 && theirs=accepts || theirs=refuses
    if [ -n "$why" ]; then   # refused on purpose, though systemd takes it
      expect_eq "$ours/$theirs" "refuses/accepts" && expect_match "$(cat "$TMP/cal.err")" "$why" ||
        { echo "for '$e'"; return 1; }
    else
      expect_eq "$ours" "$theirs" || { echo "for '$e': $(cat "$TMP/cal.err")"; return 1; }
    fi
  done <<'TABLE'
daily
hourly
weekly
monthly
yearly
annually
minutely
quarterly
semiannually
Mon *-*-* 06:00:00
Mon..Fri *:0/15
Mon-Fri 09:00
Sat,Sun 10:00
Mon..Wed,Fri 08:30
Fri..Mon 07:00
Sat..Sun 07:00
*-*-* 6:00
*-*-* 8,20:00
*-*-* 08..10:00
*-1/2-1 12:00
*-*-01 00:00
2026-12-25 08:00
Tue 2026-*-* 5:00
Sun *-*-1..7 04:00
*-*-* *:*:*
12:00
*:*
1-1 00:00
*-*-* 6:00junk
*-*-* 24:00
*-*-* 06:00:60
*-13-01
Funday 06:00
Mon..
*-02-30 06:00|never happens
Mon 06:00 Europe/London|time zone
00:00:00 UTC|time zone
*-*-* 06:00:00.5|the second
*-*~03|the day
TABLE
  # the units: written to files as the comments say, then verified by systemd
  mkdir -p "$TMP/units"
  run "$MUTUALS" --db "$DB" schedule "$SCRIPTS/progress.lua" --out "$TMP/p.html" --on 'Mon-Fri 06:00' --name prog \
    --on-failure 'notify@%n.service' --ping http://127.0.0.1:9/ping
  expect_eq "$rc" 0 || return 1
  printf '%s\n' "$out" | awk -v dir="$TMP/units" '/^# ~\/.config\/systemd\/user\//{f=$2; sub(".*/", "", f); next}
    /^# then/{f=""} f{print > (dir "/" f)}'
  printf '[Unit]\nDescription=notify\n[Service]\nType=oneshot\nExecStart=/bin/true\n' > "$TMP/units/notify@.service"
  run systemd-analyze verify --man=no "$TMP/units/mutuals-prog.service" "$TMP/units/mutuals-prog.timer"
  expect_eq "$rc" 0 && expect_eq "$err" "" || return 1
  # the program asks systemd too, where it is installed: a systemd that refuses is heard (a stand-in here that
  # refuses everything, as a newer systemd might refuse a form this parser takes)
  mkdir -p "$TMP/strict-systemd"
  printf '#!/bin/sh\necho "Failed to parse calendar specification: Invalid argument" >&2\nexit 1\n' \
    > "$TMP/strict-systemd/systemd-analyze"
  chmod +x "$TMP/strict-systemd/systemd-analyze"
  PATH="$TMP/strict-systemd:$PATH" run "$MUTUALS" --db "$DB" schedule "$SCRIPTS/progress.lua" --out "$TMP/p.html" --on daily
  expect_eq "$rc" 2 && expect_match "$err" "--on: systemd refuses it: Failed to parse calendar specification" || return 1
  # (and the check can fail: a unit with a bad calendar does)
  sed 's/^OnCalendar=.*/OnCalendar=Funday 6:00/' "$TMP/units/mutuals-prog.timer" > "$TMP/units/bad.timer"
  cp "$TMP/units/mutuals-prog.service" "$TMP/units/bad.service"
  ! systemd-analyze verify --man=no "$TMP/units/bad.timer" >/dev/null 2>&1
}
t "schedule: calendars accepted exactly as systemd-analyze accepts them (deliberate refusals named); units pass systemd-analyze verify" schedule_vs_systemd

# Paths with a quote and a percent sign: the crontab line, run as cron runs it
# (cron turns \% into %, then /bin/sh runs the rest), writes where it should.
schedule_quoting() {
  local d="$TMP/it's 100%"
  mkdir -p "$d"
  printf 'local report = require "mutuals.report"\nlocal r = report.new{title = "Quoted"}\nr:paragraph("ok", {1})\nreturn r\n' > "$d/r.lua"
  run "$MUTUALS" --db "$DB" schedule "$d/r.lua" --out "$d/out.html" --on daily --ping 'http://127.0.0.1:9/x?a=$HOME%20b'
  expect_eq "$rc" 0 || return 1
  local line cmd
  line=$(printf '%s\n' "$out" | grep '^0 0 ')
  cmd=$(printf '%s' "${line#0 0 \* \* \* }" | sed 's/\\%/%/g')
  sh -c "$cmd" 2>"$TMP/cron.err"
  test -s "$d/out.html" && expect_match "$(cat "$TMP/cron.err")" 'http://127.0.0.1:9/x?a=\$HOME%20b' &&
    expect_match "$out" '^ExecStart=.* --ping "http://127.0.0.1:9/x?a=\$\$HOME%%20b"$'
}
t "schedule: paths with ' and %, and a ping URL, are quoted for cron and for systemd" schedule_quoting

# The script's own arguments pass through both the crontab line and the unit, quoted for each.
schedule_args() {
  printf 'local report = require "mutuals.report"\nlocal r = report.new{title = "Args"}\n%s\nreturn r\n' \
    'r:paragraph(table.concat({...}, "|"), {1})' > "$TMP/args.lua"
  run "$MUTUALS" --db "$DB" schedule "$TMP/args.lua" --out "$TMP/args.md" --on daily -- "it's" '100% $HOME' plain
  expect_eq "$rc" 0 || return 1
  local line cmd
  line=$(printf '%s\n' "$out" | grep '^0 0 ')
  cmd=$(printf '%s' "${line#0 0 \* \* \* }" | sed 's/\\%/%/g')
  sh -c "$cmd" 2>/dev/null
  expect_match "$(cat "$TMP/args.md")" "^it's|100% \$HOME|plain \[1\]\.\?$" &&
    expect_match "$out" "^ExecStart=.* --wait -- \"it's\" \"100%% \$\$HOME\" \"plain\"$" || return 1
  # a line break can be quoted for neither: refused, in an argument or a path
  run "$MUTUALS" --db "$DB" schedule "$TMP/args.lua" --out "$TMP/args.md" --on daily -- "$(printf 'two\nlines')"
  expect_eq "$rc" 2 && expect_match "$err" "no line breaks" || return 1
  run "$MUTUALS" --db "$DB" schedule "$TMP/args.lua" --out "$TMP/$(printf 'a\nb').md" --on daily
  expect_eq "$rc" 2 && expect_match "$err" "has a line break"
}
t "schedule: the script's arguments (after --) pass through cron and the unit, quoted for each" schedule_args

usage() {
  rep "$TMP/ok.lua"
  expect_eq "$rc" 2 && expect_match "$err" "report needs a script and --out FILE" || return 1
  rep "$TMP/ok.lua" --out "$TMP/x.pdf" --format pdf
  expect_eq "$rc" 2
}
t "report: usage errors exit 2" usage

shipped() {
  for s in progress survey recommendations survey_deep; do
    rep "$SCRIPTS/$s.lua" --out "$TMP/$s.html" || return 1
    expect_eq "$rc" 0 && expect_eq "$err" "" || return 1
    grep -q '<h2>Sources</h2>' "$TMP/$s.html" || { echo "$s: no sources"; return 1; }
  done
  grep -q 'at least 58' "$TMP/progress.html" && grep -q '14.2% to 18.0%' "$TMP/survey.html" &&
    grep -q 'deadline passed; status unknown' "$TMP/recommendations.html" &&
    grep -q 'Rao-Scott corrected chi-square' "$TMP/survey_deep.html" && grep -q '‡ marks a result not published' "$TMP/survey_deep.html" &&
    ! grep -q 'OVERDUE' "$TMP/recommendations.html"
}
t "the shipped reports render on the bundled dataset" shipped

# Other tools read the data outputs: every shipped report's JSON against the schema shipped in doc/, its CSV by
# pandas with typed columns (a bound reaches a spreadsheet as a number and a qualifier, never as words).
machine_readable() {
  for s in progress survey recommendations survey_deep; do
    rep "$SCRIPTS/$s.lua" --out "$TMP/$s.json" && rep "$SCRIPTS/$s.lua" --out "$TMP/$s.csv" || return 1
  done
  # Debian's own python3, whose modules make test-deps installs (not one a user put first on PATH)
  local py=/usr/bin/python3
  [ -x "$py" ] || py=python3
  "$py" - "$TMP" "$PWD/doc/report.schema.json" <<'PY' || return 1
import json, sys
import jsonschema, pandas as pd
tmp, schema_path = sys.argv[1], sys.argv[2]
schema = json.load(open(schema_path))
jsonschema.Draft202012Validator.check_schema(schema)
check = jsonschema.Draft202012Validator(schema)
for s in ["progress", "survey", "recommendations", "survey_deep"]:
    doc = json.load(open(f"{tmp}/{s}.json"))
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in check.iter_errors(doc)]
    assert not errors, (s, errors[:3])
    df = pd.read_csv(f"{tmp}/{s}.csv")
    assert list(df.columns) == ["table", "row", "column", "text", "value", "qualifier", "lo", "hi", "unit", "as_of",
                                "sources"], (s, list(df.columns))
    for col in ["row", "value", "lo", "hi"]:
        assert pd.api.types.is_numeric_dtype(df[col]), (s, col, df[col].dtype)
# the progress figures arrive typed: "at least 58" is 58, at_least, lo 58, hi empty
df = pd.read_csv(f"{tmp}/progress.csv")
row = df[(df.column == "Mutuals") & (df.text == "at least 58")].iloc[0]
assert (row.value, row.qualifier, row.lo) == (58, "at_least", 58) and pd.isna(row.hi), row
assert (df[df.column == "Mutuals"].qualifier.notna()).all()
# the schema is not a formality: a qualified cell without its qualifier, or a figure without its text, fails
doc = json.load(open(f"{tmp}/progress.json"))
table = next(b for b in doc["blocks"] if b["type"] == "table")
cell = next(c for c in table["rows"][1] if isinstance(c, dict))
del cell["qualifier"]
assert list(check.iter_errors(doc)), "a cell without its qualifier passed"
PY
}
t "report data outputs: JSON valid against doc/report.schema.json, CSV read by pandas with typed columns" machine_readable

# All the charts of a report come from one gnuplot process (a start-up costs more than a chart).
one_gnuplot() {
  mkdir -p "$TMP/bin"
  printf '#!/bin/sh\necho run >> "%s/gnuplot.log"\nexec %s "$@"\n' "$TMP" "$(command -v gnuplot)" > "$TMP/bin/gnuplot"
  chmod +x "$TMP/bin/gnuplot"
  rm -f "$TMP/gnuplot.log"
  PATH="$TMP/bin:$PATH" run "$MUTUALS" --db "$DB" report "$SCRIPTS/progress.lua" --out "$TMP/once.html"
  expect_eq "$rc" 0 && expect_eq "$(grep -c '<figure class="chart"><svg' "$TMP/once.html")" 3 &&
    expect_eq "$(wc -l < "$TMP/gnuplot.log")" 1
}
t "a report's charts are drawn by one gnuplot process" one_gnuplot

# Headless Chromium: the page renders, its charts are there, nothing overflows.
screenshot() {
  local browser
  browser=$(command -v chromium || command -v chromium-browser) || { echo "chromium is not installed (make test-deps)"; return 1; }
  local flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
               --disable-component-update --disable-sync --user-data-dir="$TMP/chromium" --window-size=1200,900)
  "$browser" "${flags[@]}" --screenshot="$TMP/progress.png" "file://$TMP/progress.html" >/dev/null 2>&1
  test -s "$TMP/progress.png" && expect_eq "$(head -c 4 "$TMP/progress.png" | tail -c 3)" "PNG" || return 1
  # The same page with a probe that reports what the browser laid out.
  sed 's|</body>|<script>document.title = ["charts", document.querySelectorAll("figure svg").length, "overflow", document.documentElement.scrollWidth > window.innerWidth, "wide", [...document.querySelectorAll("table, figure, p")].filter(e => e.scrollWidth > e.clientWidth + 1).length].join(" ")</script></body>|' \
    "$TMP/progress.html" > "$TMP/probe.html"
  out=$("$browser" "${flags[@]}" --dump-dom "file://$TMP/probe.html" 2>/dev/null | grep -o '<title>charts[^<]*</title>')
  expect_eq "$out" "<title>charts 3 overflow false wide 0</title>"
}
t "the progress page in headless Chromium: renders, charts present, no overflow" screenshot

# The time axis: where the browser draws each count of mutuals, as a share of
# the chart's span, must be where its date falls in time (the middle of the
# period the date covers), not evenly spaced.
time_axis() {
  local browser
  browser=$(command -v chromium || command -v chromium-browser) || { echo "chromium is not installed (make test-deps)"; return 1; }
  local flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
               --disable-component-update --disable-sync --user-data-dir="$TMP/chromium2" --window-size=1200,900)
  # Markers of the first chart, by their laid-out centres; the legend's markers are black.
  cat > "$TMP/axis.js" <<'EOF2'
<script>
const black = u => (u.getAttribute("color") || "").split(" ").join("") == "rgb(0,0,0)";
const marks = [...document.querySelectorAll("figure svg")[0].querySelectorAll("use[transform*=translate]")];
const xs = [...new Set(marks.filter(u => !black(u)).map(u => {
  const b = u.getBoundingClientRect(); return (b.left + b.width / 2).toFixed(1) }))].map(Number).sort((a, b) => a - b);
document.title = "xs " + xs.map(x => ((x - xs[0]) / (xs[xs.length - 1] - xs[0])).toFixed(3)).join(" ");
</script>
EOF2
  awk -v js="$TMP/axis.js" '/<\/body>/ { while ((getline l < js) > 0) print l } { print }' "$TMP/progress.html" > "$TMP/axis.html"
  out=$("$browser" "${flags[@]}" --dump-dom "file://$TMP/axis.html" 2>/dev/null | grep -o '<title>xs[^<]*</title>' | sed 's/<[^>]*>//g')
  # The same shares computed from the dates in the store.
  printf '%s\n' 'local db = mutuals.store(); local mids, seen = {}, {}' \
    'for o in db.observations:where{metric = "mutuals", subject_type = "sector"}:rows() do' \
    '  local a, b = mutuals.date_span(o.as_of); local m = (a + b + 1) / 2' \
    '  if not seen[m] then seen[m] = true; mids[#mids + 1] = m end end' \
    'table.sort(mids); local t = {}' \
    'for i, m in ipairs(mids) do t[i] = ("%.3f"):format((m - mids[1]) / (mids[#mids] - mids[1])) end' \
    'print("xs " .. table.concat(t, " "))' > "$TMP/mids.lua"
  local want
  want=$("$MUTUALS" --db "$DB" run "$TMP/mids.lua")
  echo "browser: $out"
  echo "dates:   $want"
  # Five dates, not evenly spaced (June 2012 falls at 0.48 of 2010 to July 2014), each within 0.01.
  [ "$(echo "$want" | wc -w)" -eq 6 ] && [ "$(echo "$out" | wc -w)" -eq 6 ] &&
    paste <(echo "$out" | tr ' ' '\n' | tail -n +2) <(echo "$want" | tr ' ' '\n' | tail -n +2) |
    awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 0.01) bad = 1 } END { exit bad }'
}
t "the progress chart spaces its dates by time (headless Chromium)" time_axis

finish
