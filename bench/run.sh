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
# the sqlite3 shell's .import with the same columns, key and index as responses, so that all three
# imports build the same b-trees (the shell cannot fill responses itself: its id column is not in the file).
"$MUTUALS" --db "$W/template.db" init 2>/dev/null
sqlite3 "$W/template.db" "CREATE TABLE responses_raw (survey_id INTEGER NOT NULL, respondent TEXT NOT NULL,
                           question_id INTEGER NOT NULL, option_id INTEGER NOT NULL, department TEXT, grade TEXT,
                           weight REAL NOT NULL, UNIQUE (survey_id, respondent, question_id));
                         CREATE INDEX responses_raw_q ON responses_raw(question_id, department, option_id, weight);
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

# The data to read: imported once through mutuals.
rm -f "$W/m.db"*; cp "$W/template.db" "$W/m.db"
"$MUTUALS" --db "$W/m.db" import responses "$W/responses.csv"
echo "iterate" >&2
cmd_iter_mutuals=("$MUTUALS" --db "$W/m.db" run bench/iter.lua values)
cmd_iter_mutuals_records=("$MUTUALS" --db "$W/m.db" run bench/iter.lua rows)
cmd_iter_mutuals_1thread=(env MUTUALS_READAHEAD=0 "$MUTUALS" --db "$W/m.db" run bench/iter.lua values)
cmd_iter_capi=("$W/capi" scan "$W/m.db")
cmd_iter_luasql=(lua5.4 bench/luasql_iter.lua "$W/m.db")
group : iter_mutuals iter_mutuals_records iter_mutuals_1thread iter_capi iter_luasql
echo "cross-tabulate" >&2
cmd_xtab_mutuals=("$MUTUALS" --db "$W/m.db" run bench/xtab.lua)
cmd_xtab_capi=("$W/capi" xtab "$W/m.db")
cmd_xtab_pandas=(/usr/bin/python3 bench/pandas_xtab.py "$W/responses.csv")
group : xtab_mutuals xtab_capi xtab_pandas
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
