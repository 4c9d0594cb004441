#!/bin/bash
# The mutuals command line: options, usage errors, run, init and the stores.
. tests/cli/lib.sh

version() {
  run "$MUTUALS" --version
  expect_eq "$rc" 0 && expect_match "$out" '^mutuals 0\.1\.0 (Lua 5\.4' && expect_eq "$err" ""
}
t "--version prints the version" version

help_text() {
  run "$MUTUALS" --help
  expect_eq "$rc" 0 && expect_match "$out" 'usage: mutuals \[--db PATH\] COMMAND' && expect_eq "$err" ""
}
t "--help prints usage on stdout" help_text

usage_no_command() {
  run "$MUTUALS"
  expect_eq "$rc" 2 && expect_eq "$out" "" &&
    expect_eq "$err" "mutuals: no command given (try 'mutuals --help')"
}
t "no command: exit 2 with a one-line hint" usage_no_command

usage_unknown() {
  run "$MUTUALS" frobnicate
  expect_eq "$rc" 2 && expect_eq "$err" "mutuals: unknown command 'frobnicate' (try 'mutuals --help')"
  run "$MUTUALS" --colour
  expect_eq "$rc" 2 && expect_eq "$err" "mutuals: unknown option '--colour' (try 'mutuals --help')"
  run "$MUTUALS" run
  expect_eq "$rc" 2 && expect_match "$err" "run needs a script"
  run "$MUTUALS" --db
  expect_eq "$rc" 2
}
t "unknown commands and options: exit 2" usage_unknown

run_output() {
  printf 'print("hello", #mutuals.store().mutuals)\n' > "$TMP/hello.lua"
  run "$MUTUALS" run "$TMP/hello.lua"
  expect_eq "$rc" 0 && expect_eq "$out" "hello	6" && expect_eq "$err" ""
}
t "run: only the script writes to stdout" run_output

run_args() {
  printf 'print(arg[0], arg[1], arg[2], arg[-1], arg[-2], #arg, ...)\n' > "$TMP/args.lua"
  run "$MUTUALS" run "$TMP/args.lua" a b
  expect_eq "$rc" 0 && expect_eq "$out" "$TMP/args.lua	a	b	run	$MUTUALS	2	a	b"
}
t "run: arg and ... as the stand-alone interpreter sets them" run_args

run_error() {
  printf 'local x = 1\nerror("no such department: XYZ")\n' > "$TMP/bad.lua"
  run "$MUTUALS" run "$TMP/bad.lua"
  expect_eq "$rc" 1 && expect_eq "$out" "" &&
    expect_match "$err" "^$TMP/bad.lua:2: no such department: XYZ" &&
    expect_match "$err" "stack traceback:"
}
t "run: a script error prints script:line: message and a traceback, exit 1" run_error

run_syntax() {
  printf 'print("a"\n' > "$TMP/syntax.lua"
  run "$MUTUALS" run "$TMP/syntax.lua"
  expect_eq "$rc" 1 && expect_match "$err" "syntax.lua:2: ')' expected (to close '(' at line 1) near <eof>"
}
t "run: a syntax error names file and line" run_syntax

run_missing() {
  run "$MUTUALS" run "$TMP/none.lua"
  expect_eq "$rc" 1 && expect_match "$err" "cannot open $TMP/none.lua"
}
t "run: a missing script is reported" run_missing

run_exit() {
  printf 'os.exit(7)\n' > "$TMP/exit.lua"
  run "$MUTUALS" run "$TMP/exit.lua"
  expect_eq "$rc" 7
}
t "run: os.exit status passes through" run_exit

run_data_error() {
  printf 'mutuals.store().mutuals:get(1):update{staff = -5}\n' > "$TMP/upd.lua"
  run "$MUTUALS" --db "$TMP/upd.db" run "$TMP/upd.lua"
  expect_eq "$rc" 1 && expect_match "$err" "upd.lua:1: mutual.staff: -5 is invalid: must be 0 or more"
}
t "run: a validation error points at the script line" run_data_error

default_store() {
  printf 'print(mutuals.store():path())\n' > "$TMP/path.lua"
  home="$TMP/h1"
  mkdir -p "$home"
  out=$(env -u MUTUALS_DB -u XDG_DATA_HOME HOME="$home" "$MUTUALS" run "$TMP/path.lua") &&
    expect_eq "$out" "$home/.local/share/mutuals/store.db" && test -s "$out" &&
    out=$(env -u MUTUALS_DB HOME="$home" XDG_DATA_HOME="$TMP/xdg" "$MUTUALS" run "$TMP/path.lua") &&
    expect_eq "$out" "$TMP/xdg/mutuals/store.db" &&
    out=$(HOME="$home" MUTUALS_DB="$TMP/env.db" "$MUTUALS" run "$TMP/path.lua") &&
    expect_eq "$out" "$TMP/env.db" &&
    out=$(HOME="$home" MUTUALS_DB="$TMP/env.db" "$MUTUALS" --db "$TMP/opt.db" run "$TMP/path.lua") &&
    expect_eq "$out" "$TMP/opt.db"
}
t "store: default under XDG_DATA_HOME, then MUTUALS_DB, then --db" default_store

init_store() {
  printf 'local db = mutuals.store(); db.mutuals:get(1):delete()\n' > "$TMP/del.lua"
  printf 'print(mutuals.store().mutuals:count())\n' > "$TMP/count.lua"
  "$MUTUALS" --db "$TMP/init.db" run "$TMP/del.lua" || return 1
  out=$("$MUTUALS" --db "$TMP/init.db" run "$TMP/count.lua") && expect_eq "$out" 5 || return 1
  "$MUTUALS" --db "$TMP/init.db" init 2>/dev/null || return 1
  out=$("$MUTUALS" --db "$TMP/init.db" run "$TMP/count.lua") && expect_eq "$out" 6
}
t "init: recreates the bundled dataset" init_store

store_not_ours() {
  printf 'not a database at all\n%.0s' $(seq 100) > "$TMP/junk.db"
  before=$(md5sum < "$TMP/junk.db")
  run "$MUTUALS" --db "$TMP/junk.db" run "$TMP/count.lua"
  expect_eq "$rc" 1 && expect_match "$err" "junk.db" && expect_eq "$(md5sum < "$TMP/junk.db")" "$before"
}
t "a file that is not a store is refused and left alone" store_not_ours

import_export() {
  printf 'name,parent,status,staff\nProbation Co,MoJ,pipeline,80\n' > "$TMP/good.csv"
  run "$MUTUALS" --db "$TMP/io.db" import mutuals "$TMP/good.csv"
  expect_eq "$rc" 0 && expect_eq "$out" "" &&
    expect_eq "$err" "mutuals: 1 row from $TMP/good.csv: 1 inserted, 0 updated, 0 unchanged (import 1)" || return 1
  run "$MUTUALS" --db "$TMP/io.db" export mutuals --ids
  expect_eq "$rc" 0 && expect_match "$out" '^id,name,parent_id' && expect_match "$out" '"Probation Co",8,' || return 1
  run "$MUTUALS" --db "$TMP/io.db" export mutuals
  expect_eq "$rc" 0 && expect_match "$out" '^name,parent,' && expect_match "$out" '"Probation Co","MoJ",' || return 1
  run "$MUTUALS" --db "$TMP/io.db" export mutuals --format json --out "$TMP/m.json"
  expect_eq "$rc" 0 && expect_eq "$out" "" && grep -q '"name":"Probation Co"' "$TMP/m.json" &&
    ! ls "$TMP" | grep -q '\.tmp\.'
}
t "import then export, to stdout and atomically to a file" import_export

round_trip() {
  "$MUTUALS" --db "$TMP/rt.db" init 2>/dev/null || return 1
  "$MUTUALS" --db "$TMP/rt.db" export mutuals --out "$TMP/rt.jsonl" || return 1
  run "$MUTUALS" --db "$TMP/rt.db" import mutuals "$TMP/rt.jsonl"
  expect_eq "$rc" 1 && expect_match "$err" "duplicate: the store already has a mutual with name 'MyCSP' (use --mode upsert" ||
    return 1
  run "$MUTUALS" --db "$TMP/rt.db" import mutuals "$TMP/rt.jsonl" --mode upsert
  expect_eq "$rc" 0 && expect_match "$err" "^mutuals: 6 rows from .*rt.jsonl: 0 inserted, 0 updated, 6 unchanged (import [0-9]*)$" || return 1
  sed 's/"staff":500/"staff":650/' "$TMP/rt.jsonl" > "$TMP/rt2.jsonl"
  before=$(md5sum < "$TMP/rt.db")
  run "$MUTUALS" --db "$TMP/rt.db" import mutuals "$TMP/rt2.jsonl" --mode upsert --dry-run
  expect_eq "$rc" 0 && expect_match "$err" "0 inserted, 1 updated, 5 unchanged (dry run: nothing was written)" &&
    expect_eq "$(md5sum < "$TMP/rt.db")" "$before" || return 1
  # replace: its own export changes nothing; a row given in part becomes that part
  run "$MUTUALS" --db "$TMP/rt.db" import mutuals "$TMP/rt.jsonl" --mode replace
  expect_eq "$rc" 0 && expect_match "$err" "0 inserted, 0 updated, 6 unchanged" || return 1
  printf 'name,status,source\nMyCSP,operating,seed000\n' > "$TMP/rt3.csv"
  run "$MUTUALS" --db "$TMP/rt.db" import mutuals "$TMP/rt3.csv" --mode replace
  expect_eq "$rc" 0 && expect_match "$err" "0 inserted, 1 updated, 0 unchanged" || return 1
  expect_eq "$("$MUTUALS" --db "$TMP/rt.db" export mutuals --where name=MyCSP --fields name,parent,staff)" \
    'name,parent,staff,staff_qualifier
"MyCSP",,,' || return 1
  run "$MUTUALS" --db "$TMP/rt.db" import mutuals "$TMP/rt.jsonl" --mode swap
  expect_eq "$rc" 2 && expect_match "$err" "unknown mode 'swap'"
}
t "export, then import back: duplicates named, upsert unchanged, a dry run counts and writes nothing, replace" round_trip

messy_list() {
  "$MUTUALS" --db "$TMP/messy.db" init 2>/dev/null || return 1
  run "$MUTUALS" --db "$TMP/messy.db" import mutuals "$OLDPWD/tests/fixtures/real_mutuals.csv" --mode upsert \
    --map 'Organisation=name,Parent department=parent,Status=status,Staff (approx.)=staff,Staff figure=staff_qualifier,Source=source' \
    --ignore Website --ignore 'Our notes'
  expect_eq "$rc" 0 && expect_match "$err" "6 rows from .*real_mutuals.csv: 0 inserted, 0 updated, 6 unchanged" || return 1
  run "$MUTUALS" --db "$TMP/messy.db" import mutuals "$OLDPWD/tests/fixtures/real_mutuals.csv" --mode upsert
  expect_eq "$rc" 1 && expect_match "$err" "column 'Organisation' is not a field of mutual" &&
    expect_match "$err" "rename it with --map 'Organisation=FIELD'"
}
t "a real, messy list: mapped, ignored and aliased columns merge in one command" messy_list

transform_script() {
  "$MUTUALS" --db "$TMP/tf.db" init 2>/dev/null || return 1
  printf 'Organisation,Parents,Staff text\nMyCSP,DWP; Cabinet Office,about 650\nNew Spinout Ltd,MoJ,120\n(draft) x,,\n' \
    > "$TMP/tf.csv"
  cat > "$TMP/tf.lua" <<'LUA'
-- the first parent only; "about 650" as approximately 650; drafts left out
return function(r)
  if r.Organisation:match("^%(draft%)") then return nil end
  local approx, n = (r["Staff text"] or ""):match("^(%a*)%s*(%d+)$")
  return {name = r.Organisation, parent = r.Parents:match("^[^;]+"), status = "operating", staff = tonumber(n),
          staff_qualifier = approx == "about" and "approximately" or "exact", source = "seed000"}
end
LUA
  run "$MUTUALS" --db "$TMP/tf.db" import mutuals "$TMP/tf.csv" --mode upsert --transform "$TMP/tf.lua"
  expect_eq "$rc" 0 &&
    expect_match "$err" "2 rows from .*tf.csv: 1 inserted, 1 updated, 0 unchanged, 1 left out by the transform" || return 1
  expect_eq "$("$MUTUALS" --db "$TMP/tf.db" export mutuals --where name=MyCSP --fields name,staff)" \
    'name,staff,staff_qualifier
"MyCSP",650,"approximately"' || return 1
  printf 'return "not a function"\n' > "$TMP/tf_bad.lua"
  run "$MUTUALS" --db "$TMP/tf.db" import mutuals "$TMP/tf.csv" --transform "$TMP/tf_bad.lua"
  expect_eq "$rc" 1 && expect_match "$err" "tf_bad.lua must return a function" || return 1
  printf 'return function(r) return {name = r.Organisation .. nil} end\n' > "$TMP/tf_err.lua"
  before=$(md5sum < "$TMP/tf.db")
  run "$MUTUALS" --db "$TMP/tf.db" import mutuals "$TMP/tf.csv" --transform "$TMP/tf_err.lua"
  expect_eq "$rc" 1 && expect_match "$err" "tf.csv:2: transform: .*tf_err.lua:1: attempt to concatenate a nil value" &&
    expect_eq "$(md5sum < "$TMP/tf.db")" "$before"
}
t "import --transform SCRIPT: each row through a Lua function (split, compute, leave out); its errors name the row" transform_script

history_undo() {
  "$MUTUALS" --db "$TMP/h.db" init 2>/dev/null || return 1
  before=$("$MUTUALS" --db "$TMP/h.db" export mutuals | md5sum)
  printf 'name,parent,status\nNew One,Cabinet Office,proposed\n' > "$TMP/h1.csv"
  run "$MUTUALS" --db "$TMP/h.db" import mutuals "$TMP/h1.csv"
  expect_match "$err" "(import 1)$" || return 1
  run "$MUTUALS" --db "$TMP/h.db" imports
  expect_eq "$rc" 0 && expect_match "$out" "^1 .* import  *insert  *mutuals  *1  *0  *0  $TMP/h1.csv$" || return 1
  run "$MUTUALS" --db "$TMP/h.db" undo 1 --dry-run
  expect_eq "$rc" 0 && expect_match "$err" "2 rows deleted, 0 put back (dry run" || return 1
  run "$MUTUALS" --db "$TMP/h.db" undo 1
  expect_eq "$rc" 0 && expect_eq "$("$MUTUALS" --db "$TMP/h.db" export mutuals | md5sum)" "$before" || return 1
  run "$MUTUALS" --db "$TMP/h.db" undo 1
  expect_eq "$rc" 1 && expect_match "$err" "was undone already" || return 1
  run "$MUTUALS" --db "$TMP/h.db" undo abc
  expect_eq "$rc" 2
}
t "imports lists the history; undo takes an import back, once" history_undo

export_where() {
  "$MUTUALS" --db "$TMP/ew.db" init 2>/dev/null || return 1
  run "$MUTUALS" --db "$TMP/ew.db" export mutuals --where status=blocked --where parent='NHS Gloucestershire' --fields name,staff
  expect_eq "$rc" 0 && expect_eq "$out" 'name,staff,staff_qualifier
"Gloucestershire Care Services",3000,"more_than"' || return 1
  run "$MUTUALS" --db "$TMP/ew.db" export mutuals --where status=operatng
  expect_eq "$rc" 2 && expect_match "$err" "did you mean 'operating'" || return 1
  run "$MUTUALS" --db "$TMP/ew.db" export mutuals --where parent=DWPP
  expect_eq "$rc" 2 && expect_match "$err" "did you mean 'DWP'" || return 1
  run "$MUTUALS" --db "$TMP/ew.db" export mutuals --fields nme
  expect_eq "$rc" 1 && expect_match "$err" "no field 'nme': did you mean 'name'" || return 1
  # --dry-run: checked and counted, the output left as it was; the same typos refused
  printf 'previous\n' > "$TMP/ew.csv"
  run "$MUTUALS" --db "$TMP/ew.db" export mutuals --where status=operating --out "$TMP/ew.csv" --dry-run
  expect_eq "$rc" 0 && expect_eq "$out" "" &&
    expect_eq "$err" "mutuals: export of 4 mutuals to $TMP/ew.csv (dry run: nothing was written)" &&
    expect_eq "$(cat "$TMP/ew.csv")" "previous" || return 1
  expect_eq "$("$MUTUALS" --db "$TMP/ew.db" export mutuals --where status=operating | tail -n +2 | wc -l)" 4 || return 1
  run "$MUTUALS" --db "$TMP/ew.db" export mutuals --fields nme --dry-run
  expect_eq "$rc" 1 && expect_match "$err" "no field 'nme'"
}
t "export --where and --fields: chosen rows and columns, typos refused; --dry-run counts and writes nothing" export_where

import_bad() {
  printf 'name,parent,status,staff\nA,MoJ,pipeline,80\nB,XYZ,pipeline,-1\n"C,MoJ\n' > "$TMP/bad.csv"
  before=$("$MUTUALS" --db "$TMP/io.db" export mutuals | md5sum)
  run "$MUTUALS" --db "$TMP/io.db" import mutuals "$TMP/bad.csv"
  expect_eq "$rc" 1 && expect_eq "$out" "" &&
    expect_match "$err" "bad.csv:3: parent: no body with abbrev, name or alias 'XYZ'" &&
    expect_match "$err" "bad.csv:3: staff: '-1' is invalid: must be 0 or more" &&
    expect_match "$err" "bad.csv:4: malformed CSV" &&
    expect_match "$err" "nothing was written" &&
    expect_eq "$("$MUTUALS" --db "$TMP/io.db" export mutuals | md5sum)" "$before"
}
t "a bad import names file, line and field and changes nothing" import_bad

import_usage() {
  run "$MUTUALS" import mutuals
  expect_eq "$rc" 2 || return 1
  run "$MUTUALS" import widgets x.csv
  expect_eq "$rc" 2 && expect_match "$err" "unknown kind 'widgets'" || return 1
  run "$MUTUALS" export mutuals --format xml
  expect_eq "$rc" 2 && expect_match "$err" "unknown format 'xml'" || return 1
  run "$MUTUALS" export mutuals --format
  expect_eq "$rc" 2 && expect_match "$err" "export: --format needs a value" || return 1
  run "$MUTUALS" import mutuals "$TMP/missing.csv"
  expect_eq "$rc" 1 && expect_match "$err" "cannot open $TMP/missing.csv"
}
t "import/export usage errors" import_usage

command_help() {
  run "$MUTUALS" run --help
  expect_eq "$rc" 0 && expect_match "$out" '^usage: mutuals \[--db PATH\] run \[LIMITS\] SCRIPT' &&
    expect_match "$out" '--timeout SECONDS' || return 1
  run "$MUTUALS" report -h
  expect_eq "$rc" 0 && expect_match "$out" '^usage: mutuals \[--db PATH\] report SCRIPT --out FILE' || return 1
  run "$MUTUALS" help import
  expect_eq "$rc" 0 && expect_match "$out" '--mode insert|upsert' && ! expect_match "$out" 'import-microdata' >/dev/null ||
    return 1
  # every command's help has an example, and the example's options are ones the command takes
  local c ex
  for c in run repl init import import-microdata export fetch report runs check schedule imports undo completion; do
    run "$MUTUALS" "$c" --help
    expect_eq "$rc" 0 && expect_match "$out" '^example:$' || { echo "for $c"; return 1; }
    ex=$(printf '%s\n' "$out" | sed -n '/^example:$/{n;p}')
    for o in $(printf '%s\n' "$ex" | grep -o -- ' --[a-z-]*' | sort -u); do
      [ "$o" = --db ] || expect_match "$out" "$o" || { echo "$c: the example's $o is not in its usage"; return 1; }
    done
  done
  run "$MUTUALS" imprt x.csv
  expect_eq "$rc" 2 && expect_match "$err" "unknown command 'imprt': did you mean 'import'?" || return 1
  run "$MUTUALS" export mutuals --bogus
  expect_eq "$rc" 2 && expect_match "$err" "(try 'mutuals export --help')"
}
t "help for each command (CMD --help, help CMD), and a did-you-mean for a mistyped command" command_help

getopt_conventions() {
  # every command's options go through getopt_long (host/options.c): --opt=VALUE, abbreviations, "--"
  "$MUTUALS" --db "$TMP/opt.db" init 2>/dev/null || return 1
  run "$MUTUALS" --db="$TMP/opt.db" export sectors --form=csv --out="$TMP/sec.csv"
  expect_eq "$rc" 0 && expect_match "$(head -1 "$TMP/sec.csv")" '^name' || return 1
  run "$MUTUALS" --db "$TMP/opt.db" import mutuals x.csv --frmat csv
  expect_eq "$rc" 2 && expect_eq "$err" "mutuals: import: unknown option '--frmat': did you mean '--format'? (try 'mutuals import --help')" || return 1
  run "$MUTUALS" --db "$TMP/opt.db" export mutuals --ids=yes
  expect_eq "$rc" 2 && expect_match "$err" "export: --ids takes no value" || return 1
  run "$MUTUALS" --db "$TMP/opt.db" fetch http://127.0.0.1:9/x.csv --as sectors --low 5
  expect_eq "$rc" 2 && expect_match "$err" "fetch: option '--low' is ambiguous: --low-speed-limit or --low-speed-time" || return 1
  run "$MUTUALS" --db "$TMP/opt.db" fetch http://127.0.0.1:9/x.csv --as sectors --retries 1.5
  expect_eq "$rc" 2 && expect_match "$err" "fetch: --retries needs a number from 0 to 100, got '1.5'" || return 1
  run "$MUTUALS" --db "$TMP/opt.db" runs --limit 2 extra
  expect_eq "$rc" 2 && expect_eq "$err" "mutuals: runs: unexpected argument 'extra' (try 'mutuals runs --help')" || return 1
  # run: options stop at the script, so the script's own --timeout is its argument
  printf 'print(...)' > "$TMP/args.lua"
  run "$MUTUALS" --db "$TMP/opt.db" run --timeout=5 "$TMP/args.lua" --timeout abc
  expect_eq "$rc" 0 && expect_eq "$out" "--timeout	abc"
}
t "options the getopt_long way: --opt=VALUE, unique abbreviations, did-you-mean, ambiguity named, flags take no value" getopt_conventions

stdin_stdout() {
  "$MUTUALS" --db "$TMP/io2.db" init 2>/dev/null || return 1
  out=$(printf 'print(db.mutuals:count(), arg[0], ...)' | "$MUTUALS" --db "$TMP/io2.db" run - a b) &&
    expect_eq "$out" "6	-	a	b" || return 1
  run "$MUTUALS" --db "$TMP/io2.db" report "$OLDPWD/scripts/progress.lua" --out - --format md
  expect_eq "$rc" 0 && expect_match "$out" '^# Public service mutuals: progress' && ! ls | grep -q '^-' || return 1
  [ ! -e ./- ] && [ ! -e ./-.lock ]
}
t "run - reads the script from stdin, scripts have db, report --out - writes to stdout" stdin_stdout

install_tree() {
  local root="$TMP/inst"
  make -s -C "$OLDPWD" install BUILD="${BUILD:-build}" DESTDIR="$root" PREFIX=/usr >/dev/null || return 1
  for f in bin/mutuals bin/mutuals-lua lib/lua/5.4/mutuals.so share/mutuals/scripts/progress.lua \
           share/mutuals/seeds/000_43e3e1d897316965.txt share/man/man1/mutuals.1 share/man/man1/mutuals-lua.1 \
           share/bash-completion/completions/mutuals share/zsh/vendor-completions/_mutuals \
           share/man/man7/mutuals-api.7 share/mutuals/report.schema.json lib/mutuals/mutuals.so; do
    test -e "$root/usr/$f" || { echo "missing $f"; return 1; }
  done
  # SQLite's shell reads the store's answers (columns behind a virtual table) with the installed module only
  printf 'survey_id,respondent,question_id,option_id,weight\n1,A,1,1,1\n1,B,1,2,2\n' > "$TMP/inst.csv"
  "$root/usr/bin/mutuals" --db "$TMP/inst.db" import responses "$TMP/inst.csv" 2>/dev/null || return 1
  # (a sanitized module needs its run-time loaded first, and the shell's own leaks are not ours)
  local pre=""
  [ "${BUILD:-build}" = build-san ] && pre="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
  out=$(LD_PRELOAD=$pre ASAN_OPTIONS=detect_leaks=0 sqlite3 -cmd ".load $root/usr/lib/mutuals/mutuals" "$TMP/inst.db" \
          "SELECT count(*), sum(weight) FROM responses")
  expect_eq "$out" "2|3.0" || return 1
  out=$(sqlite3 "$TMP/inst.db" "SELECT count(*) FROM responses" 2>&1) && return 1
  expect_match "$out" 'no such module: mutuals_responses' || return 1
  # the bash completion offers commands, a command's options, and collections where a KIND goes
  words=$(bash -c '. "$1"; COMP_WORDS=(mutuals imp); COMP_CWORD=1; _mutuals; echo "${COMPREPLY[*]}"
                   COMP_WORDS=(mutuals export --wh); COMP_CWORD=2; _mutuals; echo "${COMPREPLY[*]}"
                   COMP_WORDS=(mutuals import mu); COMP_CWORD=2; _mutuals; echo "${COMPREPLY[*]}"' _ \
          "$root/usr/share/bash-completion/completions/mutuals")
  expect_eq "$words" "import import-microdata imports
--where
mutuals mutual_sectors mutual_bodies" || return 1
  # zsh: the generated function dispatches to each command's options (_arguments stubbed to show its specs)
  words=$(zsh -f -c '_arguments() { if [[ $1 == -C ]]; then state=args; return 0; fi; print -rl -- "$@"; }
                     source <(sed "\$d" "$1"); words=(fetch x); _mutuals' _ "$root/usr/share/zsh/vendor-completions/_mutuals")
  expect_match "$words" '^--retries=\[retries\]:value:$' && expect_match "$words" '^--as=.as.:kind:[(]sources ' ||
    return 1
  out=$("$root/usr/bin/mutuals-lua" -e 'print(require("mutuals").version)') && expect_eq "$out" "0.1.0" &&
    grep -q "^.TH MUTUALS 1" "$root/usr/share/man/man1/mutuals.1" &&
    grep -q "^.TH MUTUALS-LUA 1" "$root/usr/share/man/man1/mutuals-lua.1" || return 1
  # the API page: generated from help("all"), renders without a warning, and has the survey and report methods
  out=$(groff -man -ww -z "$root/usr/share/man/man7/mutuals-api.7" 2>&1) && expect_eq "$out" "" &&
    grep -q '^.TH MUTUALS-API 7' "$root/usr/share/man/man7/mutuals-api.7" &&
    grep -q 'survey:mean{question =' "$root/usr/share/man/man7/mutuals-api.7" &&
    grep -q '^.SH REPORT' "$root/usr/share/man/man7/mutuals-api.7"
}
OLDPWD=$PWD
t "make install DESTDIR PREFIX: binaries, module, scripts, seeds, man pages (the API one generated), bash and zsh completion" install_tree

summary_script() {
  run "$MUTUALS" --db "$TMP/sum.db" run "$OLDPWD/scripts/summary.lua"
  expect_eq "$rc" 0 && expect_match "$out" "at least 58" && expect_match "$out" "Sources"
}
OLDPWD=$PWD
t "the shipped summary runs on the bundled dataset" summary_script

# Threads of the process while a long loop is at row 3,000: the read-ahead's worker
# exists only when the process may use a second core and has not been told no.
readahead_threads() {
  cat > "$TMP/threads.lua" <<'EOF'
local db = mutuals.store()
db:sql([[INSERT INTO responses(survey_id, respondent, question_id, option_id, department, grade, weight)
         WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 60000)
         SELECT 1, 'R' || x, 1, 1 + x % 3, 'D', 'EO', 1 FROM c]])
local n, threads, sum = 0, nil, 0
for id in db.responses:order("id"):values("id") do
  n = n + 1
  sum = sum + id
  if n == 3000 then
    for line in io.lines("/proc/self/status") do threads = threads or tonumber(line:match("^Threads:%s*(%d+)")) end
  end
end
print(threads, n)
EOF
  run "$MUTUALS" --db "$TMP/threads.db" run "$TMP/threads.lua"
  [ "$rc" -eq 0 ] || { echo "$err"; return 1; }
  local ahead=${out%%$'	'*}
  expect_match "$out" '	60000$' || return 1
  rm -f "$TMP/threads.db"*
  run env MUTUALS_READAHEAD=0 "$MUTUALS" --db "$TMP/threads.db" run "$TMP/threads.lua"
  expect_eq "$out" "$((ahead - 1))	60000" || return 1
  rm -f "$TMP/threads.db"*
  run taskset -c 0 "$MUTUALS" --db "$TMP/threads.db" run "$TMP/threads.lua"
  expect_eq "$out" "$((ahead - 1))	60000"
}
check_cmd() {
  run "$MUTUALS" --db "$TMP/check.db" check
  expect_eq "$rc" 0 && expect_match "$out" '^derived       derived:observation:4$' &&
    expect_match "$out" '^  known: Seed 002 calls the rise' &&
    expect_match "$err" 'every problem found is explained' || return 1
  # a new claim that contradicts the bundled count: reported, unexplained, exit 1
  printf 'metric,subject_type,value,unit,as_of,source_id\nmutuals,sector,30,organisations,2012-06,5\n' > "$TMP/c.csv"
  run "$MUTUALS" --db "$TMP/check.db" import observations "$TMP/c.csv"
  expect_eq "$rc" 0 || return 1
  run "$MUTUALS" --db "$TMP/check.db" check
  expect_eq "$rc" 1 && expect_match "$out" '^contradiction contradiction:observation:2,37' &&
    expect_match "$out" 'cannot both be true: observation 2: at least 58 organisations' &&
    expect_match "$err" 'check: 2 problems without an explanation'
}
t "check: the bundled data's contradictions are explained; a new one fails (exit 1)" check_cmd

if [ "$(nproc)" -gt 1 ]; then
  t "a long loop is read ahead on a second thread, unless MUTUALS_READAHEAD=0 or pinned to one core" readahead_threads
fi

finish
