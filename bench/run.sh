#!/bin/bash
# The benchmark harness (make bench). Generates its own data, runs every
# workload several times, and prints medians, peak memory and ratios taken
# side by side in the same run. Writes the table to bench/RESULTS.md unless
# BENCH_OUT says otherwise.
#   BENCH_ROWS (1000000)  BENCH_RUNS (3)  BENCH_OUT (bench/RESULTS.md)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${BENCH_ROWS:-1000000}
RUNS=${BENCH_RUNS:-3}
OUT=${BENCH_OUT:-bench/RESULTS.md}
MUTUALS=$PWD/build/mutuals
W=$(mktemp -d "${TMPDIR:-/tmp}/mutuals-bench-XXXXXX")
trap 'rm -rf "$W"' EXIT

cc -O2 -o "$W/capi" bench/capi.c $(pkg-config --cflags --libs sqlite3)
echo "generating $ROWS responses..." >&2
python3 bench/gen.py "$ROWS" > "$W/responses.csv"

# A store with the schema and the bundled dataset (survey 1, question 1, options 1-3), and a table for
# the C API's inserts and the sqlite3 shell's .import, responses_raw: the columns and key responses had as a
# table (no other index since migration 10). mutuals writes the same answers as columns (migration 11); the
# floors are SQLite storing them as rows, as a C program or the shell would.
"$MUTUALS" --db "$W/template.db" init 2>/dev/null
sqlite3 "$W/template.db" "CREATE TABLE responses_raw (survey_id INTEGER NOT NULL, respondent TEXT NOT NULL,
                           question_id INTEGER NOT NULL, option_id INTEGER NOT NULL, department TEXT, grade TEXT,
                           weight REAL NOT NULL, UNIQUE (survey_id, respondent, question_id));
                         PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null

declare -A TIME RSS CPU
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# group PREPARE KEY...: RUNS rounds; in each, every KEY's command (the array cmd_KEY)
# runs once, after PREPARE (untimed), in turn: a neighbour's load drifting over the
# minutes then weighs on every tool of a comparison alike. Keeps each KEY's median
# wall time, median CPU time (user + system, every thread) and peak RSS.
group() {
  local prep=$1 key m u s t0 t1
  shift
  local -A times=() rss=() cpus=()
  for _ in $(seq "$RUNS"); do
    for key in "$@"; do
      local -n cmd="cmd_$key"
      eval "$prep"
      # Wall time from the shell's microsecond clock (time's %e has 10 ms steps,
      # too coarse for the 0.1-0.2 s workloads); peak RSS and CPU time from GNU time.
      t0=$EPOCHREALTIME
      /usr/bin/time -f "%M %U %S" -o "$W/time" "${cmd[@]}" > "$W/stdout" 2> "$W/stderr" ||
        { echo "bench: $key failed:" >&2; cat "$W/stderr" >&2; exit 1; }
      t1=$EPOCHREALTIME
      unset -n cmd
      read -r m u s < <(tail -n 1 "$W/time")
      times[$key]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') "
      rss[$key]+="$m "
      cpus[$key]+="$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }') "
    done
  done
  for key in "$@"; do
    # shellcheck disable=SC2086  # the lists are numbers separated by spaces
    TIME[$key]=$(median ${times[$key]})
    # shellcheck disable=SC2086
    RSS[$key]=$(printf '%s\n' ${rss[$key]} | sort -g | tail -n 1)
    # shellcheck disable=SC2086
    CPU[$key]=$(median ${cpus[$key]})
    echo "  $key: ${TIME[$key]} s, CPU ${CPU[$key]} s, $(( RSS[$key] / 1024 )) MiB" >&2
  done
}

echo "import" >&2
cmd_import_mutuals=("$MUTUALS" --db "$W/m.db" import responses "$W/responses.csv")
cmd_import_capi=("$W/capi" insert "$W/m.db" "$W/responses.csv")
cmd_import_sqlite3=(sqlite3 "$W/m.db" "PRAGMA cache_size = -16384" ".import --csv --skip 1 $W/responses.csv responses_raw")
group 'rm -f "$W/m.db"*; cp "$W/template.db" "$W/m.db"' import_mutuals import_capi import_sqlite3

# The data to read: imported once through mutuals. The C API and LuaSQL read the same rows from a plain
# table (the shape responses had as one): the store keeps them as columns behind a virtual table that only
# mutuals and its module (build/sqlite/mutuals) can read, and the floor is SQLite reading rows.
rm -f "$W/m.db"*; cp "$W/template.db" "$W/m.db"
"$MUTUALS" --db "$W/m.db" import responses "$W/responses.csv" 2> /dev/null
rm -f "$W/plain.db"*
sqlite3 "$W/plain.db" "CREATE TABLE responses_raw (survey_id INTEGER NOT NULL, respondent TEXT NOT NULL,
                        question_id INTEGER NOT NULL, option_id INTEGER NOT NULL, department TEXT, grade TEXT,
                        weight REAL NOT NULL, UNIQUE (survey_id, respondent, question_id))" \
  ".import --csv --skip 1 $W/responses.csv responses_raw"
# The first crosstab after an import builds the survey's design cache (timed once, as a user meets it).
t0=$EPOCHREALTIME
/usr/bin/time -f "%M" -o "$W/time" "$MUTUALS" --db "$W/m.db" run bench/xtab.lua > /dev/null
CACHE_BUILD=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
CACHE_RSS=$(awk '{ printf "%.0f", $1 / 1024 }' "$W/time")
echo "iterate" >&2
cmd_iter_mutuals=("$MUTUALS" --db "$W/m.db" run bench/iter.lua values)
cmd_iter_mutuals_records=("$MUTUALS" --db "$W/m.db" run bench/iter.lua rows)
cmd_iter_mutuals_1thread=(env MUTUALS_READAHEAD=0 "$MUTUALS" --db "$W/m.db" run bench/iter.lua values)
cmd_iter_capi=("$W/capi" scan "$W/plain.db")
cmd_iter_luasql=(lua5.4 bench/luasql_iter.lua "$W/plain.db")
group : iter_mutuals iter_mutuals_records iter_mutuals_1thread iter_capi iter_luasql
echo "cross-tabulate" >&2
cmd_xtab_mutuals=("$MUTUALS" --db "$W/m.db" run bench/xtab.lua)
cmd_xtab_capi=("$W/capi" xtab "$W/plain.db")
cmd_xtab_pandas=(/usr/bin/python3 bench/pandas_xtab.py "$W/responses.csv")
group : xtab_mutuals xtab_capi xtab_pandas
echo "survey engine" >&2
# inproc KEY CMD...: RUNS runs of a script that times its own crosstabs (bench/survey_xtab.lua prints
# "first median" in ms); keeps the median of each and the peak RSS of the process.
declare -A FIRST INPROC
inproc() {
  local key=$1 firsts="" meds="" rss="" f m k
  shift
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%M" -o "$W/time" "$@" > "$W/stdout" 2> "$W/stderr" ||
      { echo "bench: $key failed:" >&2; cat "$W/stderr" >&2; exit 1; }
    read -r f m < "$W/stdout"
    firsts+="$f "
    meds+="$m "
    rss+="$(tail -n 1 "$W/time") "
  done
  # shellcheck disable=SC2086
  FIRST[$key]=$(median $firsts)
  # shellcheck disable=SC2086
  INPROC[$key]=$(median $meds)
  # shellcheck disable=SC2086
  RSS[$key]=$(printf '%s\n' $rss | sort -g | tail -n 1)
  echo "  $key: first ${FIRST[$key]} ms, then ${INPROC[$key]} ms, $(( RSS[$key] / 1024 )) MiB" >&2
}
inproc survey_dept "$MUTUALS" --db "$W/m.db" run bench/survey_xtab.lua dept
sqlite3 "$W/m.db" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
STORE_BYTES=$(stat -c %s "$W/m.db")
TEMPLATE_BYTES=$(stat -c %s "$W/template.db")
# Microdata as suppliers deliver it: wide (a row per respondent), and long (a row per answer).
python3 bench/gen_wide.py "$ROWS" > "$W/wide.csv"
awk -F, 'NR == 1 { print "id,department,grade,weight,question,answer"; next }
         { print $1 "," $2 "," $3 "," $4 ",q1," $5; print $1 "," $2 "," $3 "," $4 ",q2," $6 }' "$W/wide.csv" > "$W/long.csv"
cp "$W/template.db" "$W/survey_template.db"
"$MUTUALS" --db "$W/survey_template.db" run bench/survey_setup.lua
sqlite3 "$W/survey_template.db" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
cmd_import_wide=("$MUTUALS" --db "$W/s.db" import-microdata bench "$W/wide.csv" --weight weight)
cmd_import_long=("$MUTUALS" --db "$W/s.db" import-microdata bench "$W/long.csv" --long --weight weight)
group 'rm -f "$W/s.db"*; cp "$W/survey_template.db" "$W/s.db"' import_wide import_long
rm -f "$W/s.db"*; cp "$W/survey_template.db" "$W/s.db"
"$MUTUALS" --db "$W/s.db" import-microdata bench "$W/wide.csv" --weight weight > /dev/null 2>&1
"$MUTUALS" --db "$W/s.db" run bench/survey_xtab.lua qxq > /dev/null   # builds the cache
inproc survey_qxq "$MUTUALS" --db "$W/s.db" run bench/survey_xtab.lua qxq
# DuckDB beside it (npm, benchmarks only): the same files, the sums a weights-only design needs.
DUCK=""
if command -v node > /dev/null && [ -d bench/node_modules/@duckdb/node-api ]; then
  read -r DUCK_LOAD DUCK_1 DUCK_2 DUCK_BYTES < <(node bench/duckdb_xtab.mjs "$W/responses.csv" "$W/d.duckdb" dept)
  read -r _ DUCK_QXQ_1 DUCK_QXQ_2 _ < <(node bench/duckdb_xtab.mjs "$W/wide.csv" "$W/w.duckdb" qxq)
  DUCK=1
  echo "  duckdb: dept ${DUCK_1} ms (1 thread), ${DUCK_2} ms (2); qxq ${DUCK_QXQ_1} / ${DUCK_QXQ_2} ms; file $DUCK_BYTES bytes" >&2
else
  echo "  duckdb: not installed (make bench runs npm install in bench/)" >&2
fi
echo "start-up (each run starts the program 50 times)" >&2
# shellcheck disable=SC2016  # expanded by the inner bash
cmd_start_mutuals=(bash -c 'for i in $(seq 50); do "$0" --db "$1" run bench/empty.lua; done' "$MUTUALS" "$W/template.db")
# shellcheck disable=SC2016
cmd_start_lua=(bash -c 'for i in $(seq 50); do lua5.4 -e ""; done')
group : start_mutuals start_lua

ratio() { awk -v a="${TIME[$1]}" -v b="${TIME[$2]}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
mib() { awk -v k="${RSS[$1]}" 'BEGIN { printf "%.1f", k / 1024 }'; }
verdict() { awk -v r="$1" -v t="$2" -v d="$3" 'BEGIN { if ((d == "le" && r <= t) || (d == "ge" && r >= t)) print "met"; else print "**missed**" }'; }

{
  echo "# Benchmark results"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $ROWS responses; median of $RUNS runs (start-up: 50 starts a run)."
  echo "Machine: $(uname -srm); $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //');"
  echo "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) memory; SQLite $(sqlite3 --version | cut -d' ' -f1);"
  echo "$(lua5.4 -v 2>&1 | cut -d' ' -f1-2); pandas $(/usr/bin/python3 -c 'import pandas; print(pandas.__version__)')."
  echo
  echo "| workload | tool | median (s) | CPU (s) | peak RSS (MiB) | ratio | target | verdict |"
  echo "|---|---|---:|---:|---:|---:|---|---|"
  r=$(ratio import_mutuals import_capi)
  echo "| import | mutuals import (validated) | ${TIME[import_mutuals]} | ${CPU[import_mutuals]} | $(mib import_mutuals) | $r × C API | ≤ 1.3 × | $(verdict "$r" 1.3 le) |"
  echo "| import | C API limit | ${TIME[import_capi]} | ${CPU[import_capi]} | $(mib import_capi) | 1 | | |"
  r2=$(ratio import_mutuals import_sqlite3)
  echo "| import | sqlite3 .import (same table shape, no validation) | ${TIME[import_sqlite3]} | ${CPU[import_sqlite3]} | $(mib import_sqlite3) | mutuals is $r2 × | < 1 × | $(verdict "$r2" 1 le) |"
  r=$(ratio iter_mutuals iter_capi)
  echo "| iterate | mutuals values() | ${TIME[iter_mutuals]} | ${CPU[iter_mutuals]} | $(mib iter_mutuals) | $r × C API | ≤ 2.5 × | $(verdict "$r" 2.5 le) |"
  r3=$(ratio iter_mutuals_records iter_capi)
  echo "| iterate | mutuals rows() (records) | ${TIME[iter_mutuals_records]} | ${CPU[iter_mutuals_records]} | $(mib iter_mutuals_records) | $r3 × C API | | |"
  r3=$(ratio iter_mutuals_1thread iter_capi)
  echo "| iterate | mutuals values(), one thread (MUTUALS_READAHEAD=0) | ${TIME[iter_mutuals_1thread]} | ${CPU[iter_mutuals_1thread]} | $(mib iter_mutuals_1thread) | $r3 × C API | | |"
  echo "| iterate | C API sqlite3_step limit | ${TIME[iter_capi]} | ${CPU[iter_capi]} | $(mib iter_capi) | 1 | | |"
  r2=$(ratio iter_luasql iter_mutuals)
  echo "| iterate | LuaSQL (stock lua5.4) | ${TIME[iter_luasql]} | ${CPU[iter_luasql]} | $(mib iter_luasql) | mutuals $r2 × faster | ≥ 2 × | $(verdict "$r2" 2 ge) |"
  r=$(ratio xtab_mutuals xtab_pandas)
  echo "| cross-tab | mutuals crosstab | ${TIME[xtab_mutuals]} | ${CPU[xtab_mutuals]} | $(mib xtab_mutuals) | $r × pandas | ≤ 0.2 × | $(verdict "$r" 0.2 le) |"
  echo "| cross-tab | SQLite GROUP BY (C) | ${TIME[xtab_capi]} | ${CPU[xtab_capi]} | $(mib xtab_capi) | $(ratio xtab_capi xtab_pandas) × pandas | | |"
  echo "| cross-tab | pandas read_csv + groupby | ${TIME[xtab_pandas]} | ${CPU[xtab_pandas]} | $(mib xtab_pandas) | 1 | | |"
  r=$(ratio start_mutuals start_lua)
  per() { awk -v t="${TIME[$1]}" 'BEGIN { printf "%.4f", t / 50 }'; }
  percpu() { awk -v t="${CPU[$1]}" 'BEGIN { printf "%.4f", t / 50 }'; }
  echo "| start-up | mutuals run empty.lua (default store) | $(per start_mutuals) | $(percpu start_mutuals) | $(mib start_mutuals) | $r × lua5.4 | ≤ 3 × | $(verdict "$r" 3 le) |"
  echo "| start-up | lua5.4 -e '' | $(per start_lua) | $(percpu start_lua) | $(mib start_lua) | 1 | | |"
  m=$(awk -v a="${RSS[import_mutuals]}" -v b="${RSS[iter_mutuals]}" 'BEGIN { printf "%.1f", (a > b ? a : b) / 1024 }')
  echo "| memory | peak of import and iterate | | | $m | | ≤ 32 MiB | $(verdict "$m" 32 le) |"
  echo
  echo "Survey engine: design-based crosstabs (shares, Taylor SEs, design effects, three intervals per cell),"
  echo "timed inside the process (ms, median of 9 after the first, median over $RUNS processes); DuckDB computes"
  echo "only the weighted sums such a table starts from. The first crosstab after an import builds the design"
  echo "cache from the rows: ${CACHE_BUILD} s for that whole process, peak RSS ${CACHE_RSS} MiB (the design is held whole"
  echo "while it is built; every later crosstab reads it in chunks)."
  echo
  echo "| workload | tool | first (ms) | median (ms) | peak RSS (MiB) | ratio | target | verdict |"
  echo "|---|---|---:|---:|---:|---:|---|---|"
  ms() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
  echo "| crosstab by department | mutuals survey:crosstab | ${FIRST[survey_dept]} | ${INPROC[survey_dept]} | $(mib survey_dept) | | ≤ 5 ms | $(verdict "${INPROC[survey_dept]}" 5 le) |"
  if [ -n "$DUCK" ]; then
    r=$(ms "${INPROC[survey_dept]}" "$DUCK_2")
    echo "| crosstab by department | DuckDB GROUP BY, 1 thread | | $DUCK_1 | | | | |"
    echo "| crosstab by department | DuckDB GROUP BY, 2 threads | | $DUCK_2 | | mutuals $r × | ≤ 1 × | $(verdict "$r" 1 le) |"
  fi
  echo "| q1 × q2 | mutuals survey:crosstab | ${FIRST[survey_qxq]} | ${INPROC[survey_qxq]} | $(mib survey_qxq) | | ≤ 20 ms | $(verdict "${INPROC[survey_qxq]}" 20 le) |"
  [ -z "$DUCK" ] || echo "| q1 × q2 | DuckDB GROUP BY, 1 / 2 threads | | $DUCK_QXQ_1 / $DUCK_QXQ_2 | | | | |"
  per_row() { awk -v t="${TIME[$1]}" -v n="$2" 'BEGIN { printf "%.2f", t / n * 1e6 }'; }
  echo "| import wide microdata | mutuals import-microdata (µs a respondent, 2 answers) | | $(per_row import_wide "$ROWS") | $(mib import_wide) | | | |"
  echo "| import long microdata | mutuals import-microdata --long (µs an answer) | | $(per_row import_long $((ROWS * 2))) | $(mib import_long) | | | |"
  m=$(awk -v a="${RSS[survey_dept]}" -v b="${RSS[survey_qxq]}" -v c="${RSS[import_wide]}" -v d="${RSS[import_long]}" \
      'BEGIN { m = a; if (b > m) m = b; if (c > m) m = c; if (d > m) m = d; printf "%.1f", m / 1024 }')
  echo "| memory | peak of the survey rows | | | $m | | ≤ 64 MiB | $(verdict "$m" 64 le) |"
  if [ -n "$DUCK" ]; then
    r=$(ms "$STORE_BYTES" "$DUCK_BYTES")
    echo "| store size | mutuals store: $ROWS responses, indexes, design cache (bytes; the bundled dataset alone: $TEMPLATE_BYTES) | | $STORE_BYTES | | $r × DuckDB | ≤ 2 × | $(verdict "$r" 2 le) |"
    echo "| store size | DuckDB file, the same responses (bytes) | | $DUCK_BYTES | | 1 | | |"
  fi
} > "$W/table.md"
cat "$W/table.md"
if [ "$OUT" != "-" ]; then
  # Keep the written analysis below the table: replace only the part above the marker.
  if [ -f "$OUT" ] && grep -q '^<!-- analysis -->' "$OUT"; then
    sed -n '/^<!-- analysis -->/,$p' "$OUT" > "$W/analysis.md"
    cat "$W/table.md" <(echo) "$W/analysis.md" > "$OUT"
  else
    cp "$W/table.md" "$OUT"
  fi
  echo "wrote $OUT" >&2
fi
