#!/bin/bash
# mutuals-lua against Debian's lua5.4: the same command lines, environment
# and input under both; stdout, stderr and exit status must be identical.
# Ours runs with argv[0] set to "lua5.4" (bash's exec -a), so that messages
# carrying the program name compare byte for byte.
. tests/cli/lib.sh

REF=$(command -v lua5.4)
mkdir -p "$TMP/d"
cat > "$TMP/d/script.lua" <<'EOF'
print("script", ...)
for i = -3, #arg do print(i, arg[i]) end
return 1, 2
EOF
printf 'print("from init file")\n' > "$TMP/d/init.lua"
printf 'local M = {}\nfunction M.hi() return "hi" end\nreturn M\n' > "$TMP/d/mymod.lua"
printf 'print(("x"):rep(3)\n' > "$TMP/d/syntax.lua"
printf 'error("runtime failure")\n' > "$TMP/d/fail.lua"
printf 'io.write(io.read("a"))\n' > "$TMP/d/cat.lua"

# compare NAME STDIN ARGS...  (env assignments may come first as VAR=value)
compare() {
  local name=$1 input=$2
  shift 2
  local envs=()
  while [[ $# -gt 0 && $1 == *=* && $1 != -* ]]; do envs+=("$1"); shift; done
  (cd "$TMP/d" && printf '%s' "$input" | env -u LUA_INIT -u LUA_INIT_5_4 "${envs[@]}" \
     bash -c 'exec -a lua5.4 "$0" "$@"' "$REF" "$@" \
     >"$TMP/ref.out" 2>"$TMP/ref.err"; echo $? > "$TMP/ref.rc")
  (cd "$TMP/d" && printf '%s' "$input" | env -u LUA_INIT -u LUA_INIT_5_4 "${envs[@]}" \
     bash -c 'exec -a lua5.4 "$0" "$@"' "$LUAI" "$@" >"$TMP/our.out" 2>"$TMP/our.err"; echo $? > "$TMP/our.rc")
  if cmp -s "$TMP/ref.out" "$TMP/our.out" && cmp -s "$TMP/ref.err" "$TMP/our.err" &&
     cmp -s "$TMP/ref.rc" "$TMP/our.rc"; then
    return 0
  fi
  echo "differs: $*"
  diff "$TMP/ref.out" "$TMP/our.out" | head -10
  diff "$TMP/ref.err" "$TMP/our.err" | head -10
  echo "rc: $(cat "$TMP/ref.rc") vs $(cat "$TMP/our.rc")"
  return 1
}

c() { local name=$1; shift; t "lua5.4 compat: $name" compare "$name" "$@"; }

c "-v" "" -v
c "-e" "" -e 'print(1 + 1, "two")'
c "concatenated -e" "" '-eprint(10)'
c "several -e in order" "" -e 'x = 1' -e 'print(x + 1)'
c "-e needs an argument" "" -e
c "-e followed by an option" "" -e -i
c "unknown option" "" -x
c "-E with extra characters" "" -Ex
c "--x is invalid" "" --x
c "-- stops options" "" -- script.lua a
c "script with args and arg table" "" script.lua a b c
c "options before script get negative indices" "" -e 'y=2' script.lua a
c "- runs stdin" 'print("stdin chunk", ...)' - a b
c "stdin without arguments (not a tty)" 'print("piped")' 
c "-l loads a module into a global" "" -l mymod -e 'print(mymod.hi())'
c "-l g=mod" "" -l m=mymod -e 'print(m.hi(), mymod)'
c "-l of a missing module" "" -l nomodule
c "-W turns warnings on" "" -W -e 'warn("careful")'
c "warnings off by default" "" -e 'warn("quiet")'
c "warn @on from code" "" -e 'warn("@on"); warn("now", " loud")'
c "runtime error with traceback" "" -e 'error("boom")'
c "error with a table value" "" -e 'error({})'
c "error with __tostring" "" -e 'error(setmetatable({}, {__tostring = function() return "custom" end}))'
c "error in a script file" "" fail.lua
c "syntax error in a script" "" syntax.lua
c "missing script" "" nonexistent.lua
c "os.exit with a status" "" -e 'os.exit(3)'
c "os.exit(false)" "" -e 'os.exit(false)'
c "os.exit(true, true)" "" -e 'os.exit(true, true)'
c "LUA_INIT code" "" LUA_INIT='print("init code")' -e 'print("after")'
c "LUA_INIT @file" "" LUA_INIT=@init.lua -e 'print("after")'
c "LUA_INIT_5_4 wins over LUA_INIT" "" LUA_INIT='print("generic")' LUA_INIT_5_4='print("versioned")' -e ''
c "-E ignores LUA_INIT" "" LUA_INIT='print("should not run")' -E -e 'print("ran")'
c "error in LUA_INIT" "" LUA_INIT='error("bad init")' -e 'print("not reached")'
c "LUA_PATH_5_4" "" LUA_PATH_5_4='./?.lua' -e 'print(package.path); print(require("mymod").hi())'
c "LUA_CPATH_5_4" "" LUA_CPATH_5_4='/nowhere/?.so' -e 'print(package.cpath)'
c "-E ignores LUA_PATH" "" LUA_PATH='/only/?.lua' -E -e 'print(package.path:find("/only/") == nil)'
c "script reads stdin" 'line one
line two
' cat.lua
c "-i with piped input" 'x = 10
print(x * 2)
=x
x + 1
' -i
c "-i: statement continued over lines" 'for i = 1, 2 do
print(i)
end
' -i
c "-i: input ends mid-statement" 'x =
' -i
c "-i: error then continue" 'error("first")
print("second")
' -i
c "-i: _PROMPT and _PROMPT2" 'if true then
print(1)
end
' -e '_PROMPT = "P1> "; _PROMPT2 = "P2> "' -i
c "-i: _PROMPT2 left when input ends mid-statement" 'if x then
' -e '_PROMPT2 = "cont"' -i
c "-i: _PROMPT with __tostring" '1
' -e '_PROMPT = setmetatable({}, {__tostring = function() return "T> " end})' -i
c "-i: print replaced" 'print = nil
1
' -i
c "-i: several results" 'return 1, nil, "three"
' -i
c "-v with a script" "" -v script.lua z
c "-i after script" 'print(#arg)
' -i script.lua q
c "dash script name after --" "" -- - 

finish
