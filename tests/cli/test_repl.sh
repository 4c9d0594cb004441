#!/bin/bash
# The analyst's REPL, driven through a pipe and through a pseudo-terminal
# (tmux) as a person would use it.
. tests/cli/lib.sh

repl_pipe() {   # repl_pipe INPUT: runs `mutuals repl` on a fresh store
  out=$(cd "$TMP" && printf '%s' "$1" | env -u MUTUALS_DB HOME="$TMP/home" "$MUTUALS" --db "$TMP/repl.db" repl \
          2>"$TMP/stderr")
  rc=$?
  err=$(cat "$TMP/stderr")
}

expression() {
  repl_pipe '1 + 1
db.mutuals:count()
'
  expect_eq "$rc" 0 && expect_eq "$out" "2
6" && expect_eq "$err" ""
}
t "pipe: an expression prints its value, without prompts" expression

tables() {
  repl_pipe '{1, 2, "x", b = true, a = {n = 1}}
'
  expect_eq "$out" '{ 1, 2, "x", a = { n = 1 }, b = true }'
}
t "pipe: tables print as readable Lua" tables

record() {
  repl_pipe 'db.bodies:get("DWP")
'
  expect_eq "$out" 'body 1: Department for Work and Pensions {
  id = 1,
  abbrev = "DWP",
  name = "Department for Work and Pensions",
  tier = "central",
  source_id = 1 --[[ Headlines: June 26th, 2012 ]],
}'
}
t "pipe: a record prints its fields in order, its source by title" record

collections() {
  repl_pipe 'db.mutuals:where{status = "operating"}
db:sql("SELECT abbrev, NULL AS note FROM bodies WHERE abbrev = ?", "DWP")
'
  expect_match "$out" '│ id │ name' && expect_match "$out" '^4 rows$' && expect_match "$out" '│ DWP    │ NULL │' &&
    expect_match "$out" 'NULL'
}
t "pipe: a collection and a query result print as tables, with row counts and NULL" collections

dot_commands() {
  repl_pipe '.tables
.schema bodies
.timer on
1 + 1
.bogus
'
  expect_eq "$rc" 1 && expect_match "$out" '│ mutuals *│ *6 │' && expect_match "$out" 'abbrev - abbreviation' &&
    expect_match "$out" '^2$' && expect_match "$err" '^time: [0-9.]* ms$' &&
    expect_match "$err" 'unknown command .bogus (.help lists them)'
}
t "pipe: .tables, .schema, .timer beside Lua; an unknown dot-command is an error" dot_commands

record_help() {
  repl_pipe 'help(db.mutuals:first())
'
  expect_match "$out" 'rec:update' && expect_match "$out" 'obs:growth' && ! expect_match "$out" 'survey:' >/dev/null &&
    ! expect_match "$out" 'target:progress' >/dev/null || return 1
  repl_pipe 'help(db.surveys:first())
'
  expect_match "$out" 'survey:crosstab'
}
t "pipe: help on a record lists the methods of its kind only" record_help

figures() {
  repl_pipe 'db.observations:get(2)
db.mutuals:sum("staff")
'
  expect_match "$out" '^observation 2: mutuals = at least 58 organisations (June 2012; source 3) {' &&
    expect_match "$out" 'source_id = 3 --\[\[ Taskforce calls for action to expand public service mutuals \]\],' &&
    expect_match "$out" '^more than approximately 3,500 people (sources 1, 3, 2, 5; 2 of 6 known)$'
}
t "pipe: figures print with their qualifier, date, source and how many were known" figures

cycles() {
  repl_pipe 't = {name = "loop"}; t.self = t
t
deep = {{{{{{{{1}}}}}}}}
deep
'
  expect_match "$out" 'self = <cycle: 0x' && expect_match "$out" '{...}' && expect_eq "$rc" 0
}
t "pipe: cycles and depth are bounded" cycles

long_string() {
  repl_pipe 'string.rep("a", 1e6)
'
  expect_eq "${#out}" 2028 && expect_match "$out" '"\.\.\. (1000000 bytes in all)$'
}
t "pipe: a long string is cut, saying its length" long_string

continuation() {
  repl_pipe 'for i = 1, 3 do
  print(i)
end
x = {
  1,
  2}
#x
'
  expect_eq "$out" "1
2
3
2"
}
t "pipe: incomplete input continues on the next line" continuation

errors() {
  repl_pipe 'x = 1
error("first problem")
print("still going", x)
db.mutuals:where{bogus = 1}
'
  expect_eq "$rc" 1 && expect_eq "$out" "still going	1" && expect_match "$err" "stdin:2: first problem" &&
    expect_match "$err" "mutual has no field 'bogus'"
}
t "pipe: an error prints and the REPL goes on; exit status 1" errors

syntax_lines() {
  repl_pipe 'a = 1

b = = 2
'
  expect_eq "$rc" 1 && expect_match "$err" "stdin:3: unexpected symbol near '='"
}
t "pipe: error messages carry the input line number" syntax_lines

help_cmd() {
  repl_pipe 'help(db.mutuals)
help("survey")
'
  expect_eq "$rc" 0 && expect_match "$out" "c:where{field = value" && expect_match "$out" "staff - number of staff" &&
    expect_match "$out" "survey (collection db.surveys)"
}
t "pipe: help(x) documents types and entities" help_cmd

no_escapes() {
  repl_pipe '"plain"
'
  expect_eq "$out" '"plain"' && ! printf '%s' "$out$err" | grep -q $'\033'
}
t "pipe: no escape codes" no_escapes

# ---------------------------------------------------------------- pty

if command -v tmux >/dev/null; then
  SOCK="$TMP/tmux.sock"
  tm() { tmux -S "$SOCK" "$@"; }
  screen() { tm capture-pane -p -t repl; }
  wait_for() {  # wait_for PATTERN: poll the screen (bounded: 10 s)
    for _ in $(seq 100); do
      screen | grep -q -- "$1" && return 0
      sleep 0.1
    done
    echo "screen never showed: $1"
    screen
    return 1
  }
  new_server() {   # a new tmux server (and socket) for each session
    tm kill-server 2>/dev/null
    SOCK="$TMP/tmux.$RANDOM.sock"
  }
  start() {   # start [WIDTH HEIGHT [ENV ARGS...]]: the REPL in a new terminal of that size (120 x 40)
    local w=${1:-120} h=${2:-40}
    shift $(( $# < 2 ? $# : 2 ))
    new_server
    tm new-session -d -s repl -x "$w" -y "$h" \
      "env $* HOME=$TMP/ptyhome TERM=xterm $MUTUALS --db $TMP/pty.db repl; echo EXITED \$?; sleep 30"
  }

  pty_session() {
    mkdir -p "$TMP/ptyhome"
    start
    wait_for 'mutuals>' || return 1
    tm send-keys -t repl '6 * 7' Enter
    wait_for '^42$' || return 1
    tm send-keys -t repl 'for i = 1, 2 do' Enter
    wait_for '    \.\.\.>' || return 1
    tm send-keys -t repl 'print("row", i) end' Enter
    wait_for 'row	2\|row     2' || return 1
    tm send-keys -t repl 'error("oops")' Enter
    wait_for 'stdin:4: oops' || return 1
    tm send-keys -t repl 'db.bod' Tab
    wait_for 'mutuals> db.bodies' || return 1
    tm send-keys -t repl C-u 'db.mutuals:cou' Tab
    wait_for 'db.mutuals:count' || return 1
    tm send-keys -t repl '()' Enter
    wait_for '^6$' || return 1
    tm send-keys -t repl 'm = db.mutuals:get(1)' Enter
    tm send-keys -t repl 'm.par' Tab
    wait_for 'm.parent' || return 1
    tm send-keys -t repl C-u 'mutuals.gro' Tab
    wait_for 'mutuals.growth' || return 1
    tm send-keys -t repl C-u C-d
    wait_for 'EXITED 1' || return 1
    grep -q '^6 \* 7$' "$TMP/ptyhome/.local/state/mutuals/history" || { echo "history not saved"; return 1; }
  }
  t "pty: prompts, evaluation, continuation, completion, history file" pty_session

  pty_history() {
    start
    wait_for 'mutuals>' || return 1
    tm send-keys -t repl Up
    wait_for 'mutuals> m = db.mutuals:get(1)\|mutuals> m.par' || return 1
    tm send-keys -t repl C-u C-d
    wait_for 'EXITED' || return 1
  }
  t "pty: history persists across sessions" pty_history

  pty_context() {
    start
    wait_for 'mutuals>' || return 1
    # Ctrl-C clears the line, and drops a half-typed multi-line entry; the session goes on
    tm send-keys -t repl 'print("never")' C-c
    wait_for '\^C' || return 1
    tm send-keys -t repl 'for i = 1, 3 do' Enter
    wait_for '    \.\.\.>' || return 1
    tm send-keys -t repl C-c
    wait_for '\.\.\.> \^C' || return 1
    tm send-keys -t repl '6 * 7' Enter
    wait_for '^42$' || return 1
    # _ is the last value shown
    tm send-keys -t repl '_ + 1' Enter
    wait_for '^43$' || return 1
    # a multi-line entry is one history entry, written at once (it survives os.exit)
    tm send-keys -t repl 'local function f()' Enter 'return "multi" end print(f())' Enter
    wait_for '^multi$' || return 1
    tm send-keys -t repl 'os.exit(0)' Enter
    wait_for 'EXITED 0' || return 1
    ! screen | grep -q '^never$' || { echo "a cleared line ran"; return 1; }
    start
    wait_for 'mutuals>' || return 1
    tm send-keys -t repl Up Up
    wait_for 'return "multi" end print(f())' || return 1
    tm send-keys -t repl C-c   # (a Ctrl-C flushes what is typed after it: wait, then quit)
    wait_for '\^C' || return 1
    tm send-keys -t repl C-d
    wait_for 'EXITED' || return 1
    ! grep -q '^print("never")' "$TMP/ptyhome/.local/state/mutuals/history" || { echo "a cleared line is in the history"; return 1; }
  }
  t "pty: Ctrl-C clears the line, _ is the last value, history is written at once and keeps multi-line entries" pty_context

  pty_completion() {
    start
    wait_for 'mutuals>' || return 1
    tm send-keys -t repl 'db.mutuals:where{stat' Tab
    wait_for 'mutuals> db.mutuals:where{status' || return 1
    tm send-keys -t repl ' = "operating", par' Tab
    wait_for 'where{status = "operating", parent_id' || return 1
    tm send-keys -t repl C-u 'db.mutuals:first():' Tab Tab
    sleep 0.5
    ! screen | grep -q '_G' || { echo "offered globals after a call"; screen; return 1; }
    tm send-keys -t repl C-u 'xyz_no_such' Tab Tab
    sleep 0.5
    ! screen | grep -q 'Makefile\|README' || { echo "offered file names"; screen; return 1; }
    tm send-keys -t repl C-u C-d
    wait_for 'EXITED' || return 1
  }
  t "pty: completion inside where{} offers the collection's fields; nothing after a call, never file names" pty_completion
  # Long output goes through the pager (here a command that keeps what it is given), short output does not;
  # with the default (less -S) the screen shows less's own end marker and q returns to the prompt.
  pty_pager() {
    rm -f "$TMP/paged"
    start 120 20 "PAGER='cat > $TMP/paged'"
    wait_for 'mutuals>' || return 1
    tm send-keys -t repl '6 * 7' Enter
    wait_for '^42$' || return 1
    test ! -e "$TMP/paged" || { echo "a short result was paged"; return 1; }
    tm send-keys -t repl 'db.observations:list()' Enter
    for _ in $(seq 50); do [ -s "$TMP/paged" ] && break; sleep 0.1; done
    expect_match "$(head -1 "$TMP/paged")" '^┌' && [ "$(wc -l < "$TMP/paged")" -gt 20 ] || return 1
    ! screen | grep -q '^│ id ' || { echo "the long result reached the screen"; return 1; }
    tm send-keys -t repl 'help("all")' Enter
    for _ in $(seq 50); do grep -q '^REPORT:' "$TMP/paged" && break; sleep 0.1; done
    grep -q '^REPORT:' "$TMP/paged" || { echo "help was not paged"; return 1; }
    tm send-keys -t repl C-d
    wait_for 'EXITED' || return 1
    start 120 40 -u PAGER LESS=
    wait_for 'mutuals>' || return 1
    tm send-keys -t repl 'help("all")' Enter
    wait_for '^MODULE: local mutuals' || return 1
    wait_for '^:' || return 1
    tm send-keys -t repl q
    wait_for '^mutuals> *$' || return 1
    tm send-keys -t repl C-d
    wait_for 'EXITED 0' || return 1
  }
  t "pty: long output goes through \$PAGER (less -S by default), short output does not" pty_pager

  # A table fits the terminal it is shown on: at 80 columns cut with "…", at 200 the cells whole.
  pty_widths() {
    local w widest
    for w in 80 200; do
      start "$w" 50 PAGER=
      wait_for 'mutuals>' || return 1
      tm send-keys -t repl 'db.bodies' Enter
      wait_for '^└' || return 1
      widest=$(screen | grep '^[┌│├└]' | LC_ALL=C.UTF-8 wc -L)
      if [ "$w" = 80 ]; then
        [ "$widest" -le 80 ] && screen | grep -q '…' || { echo "at 80 columns: $widest wide"; screen; return 1; }
      else
        [ "$widest" -gt 80 ] && [ "$widest" -le 200 ] && ! screen | grep '^│' | grep -q '…' ||
          { echo "at 200 columns: $widest wide"; screen; return 1; }
      fi
      tm send-keys -t repl C-d
      wait_for 'EXITED' || return 1
    done
  }
  t "pty: a table fits the terminal: cut with … at 80 columns, whole at 200" pty_widths

  # Two sessions at once, each line appended under a lock: neither loses the other's history.
  pty_two_sessions() {
    new_server
    mkdir -p "$TMP/twohome"
    local cmd="env HOME=$TMP/twohome TERM=xterm $MUTUALS --db $TMP/pty.db repl; echo EXITED \$?; sleep 30"
    tm new-session -d -s repl -x 120 -y 20 "$cmd"
    tm new-session -d -s other -x 120 -y 20 "$cmd"
    wait_for 'mutuals>' || return 1
    for _ in $(seq 50); do tm capture-pane -p -t other | grep -q 'mutuals>' && break; sleep 0.1; done
    tm send-keys -t repl 'print("from-a")' Enter
    wait_for '^from-a$' || return 1
    tm send-keys -t other 'print("from-b")' Enter
    sleep 0.5
    tm send-keys -t repl 'print("a-again")' Enter
    wait_for '^a-again$' || return 1
    tm send-keys -t other C-d
    tm send-keys -t repl C-d
    wait_for 'EXITED' || return 1
    sleep 0.3
    local h="$TMP/twohome/.local/state/mutuals/history"
    grep -q '^print("from-a")$' "$h" && grep -q '^print("from-b")$' "$h" && grep -q '^print("a-again")$' "$h" ||
      { echo "history lost a session's lines:"; cat "$h"; return 1; }
  }
  t "pty: two sessions at once keep both histories (appended line by line, under a lock)" pty_two_sessions
  tm kill-server 2>/dev/null
else
  t "pty tests need tmux (make test-deps installs it)" false
fi

finish
