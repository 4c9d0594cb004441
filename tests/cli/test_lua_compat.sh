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
printf '\xEF\xBB\xBFprint(3)' > "$TMP/d/bom.lua"
printf '\xEF\xBB\xBF# comment!!\nprint(3)' > "$TMP/d/bomcomment.lua"
printf '\xEFprint(3)' > "$TMP/d/badbom.lua"
printf '#comment in 1st line without newline at the end' > "$TMP/d/hashonly.lua"
printf 'print(package.path)' > "$TMP/d/path.lua"
printf 'print(1); a=2; return {x=15}' > "$TMP/d/liba.lua"
printf 'print(a); print(_G["liba"].x)' > "$TMP/d/libb.lua"
printf 'print(str.upper"alo alo", m.max(10, 20))' > "$TMP/d/alias.lua"
printf 'assert(#arg == 3 and arg[1] == "a" and arg[2] == "b" and arg[3] == "c")\nassert(arg[-1] == "--" and arg[-2] == "-e ")\nlocal a, b, c = ...\nassert(a == "a" and b == "b" and c == "c")\nprint("args ok")\n' > "$TMP/d/argcheck.lua"
cat > "$TMP/d/warnings.lua" <<'EOF2'
warn("@allow")
warn("@off", "XXX", "@off")
warn("@off")
warn("@on", "YYY", "@on")
warn("@off")
warn("@on")
warn("", "@on")
warn("@on")
warn("Z", "Z", "Z")
EOF2
cat > "$TMP/d/gcwarn.lua" <<'EOF2'
warn("@allow")
u1 = setmetatable({}, {__gc = function () error("XYZ") end})
u2 = setmetatable({}, {__gc = function () error("ZYX") end})
EOF2
cat > "$TMP/d/gcorder.lua" <<'EOF2'
print("creating 1")
setmetatable({}, {__gc = function () print(1) end})
print("creating 2")
setmetatable({}, {__gc = function ()
  print("2")
  print("creating 3")
  setmetatable({}, {__gc = function () print(3) end})
  print(collectgarbage())
  os.exit(0, true)
end})
EOF2
cat > "$TMP/d/errobj.lua" <<'EOF2'
debug = require "debug"
m = {x=0}
setmetatable(m, {__tostring = function(x)
  return tostring(debug.getinfo(4).currentline + x.x)
end})
error(m)
EOF2
cat > "$TMP/d/tbc.lua" <<'EOF2'
local x <close> = setmetatable({}, {__close = function (self, err) assert(err == nil); print("Ok") end})
local e1 <close> = setmetatable({}, {__close = function () print(120) end})
os.exit(true, true)
EOF2
printf 'print(({...})[30])' > "$TMP/d/many.lua"


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

# Behaviours exercised by the reference interpreter's own stand-alone tests.
c "BOM before code" "" bom.lua
c "BOM before a # comment" "" bomcomment.lua
c "bad BOM" "" badbom.lua
c "# first line without newline" "" hashonly.lua
c "'-' then an option-looking argument" 'print(arg[1])' - -h
c "LUA_PATH with ;;" "" LUA_PATH='a;;b' path.lua
c "LUA_PATH of ;" "" LUA_PATH=';' path.lua
c "LUA_PATH_5_4 over LUA_PATH" "" LUA_PATH_5_4=y LUA_PATH=x path.lua
c "LUA_INIT sees arg" "" LUA_INIT='X=tonumber(arg[1])' -e 'print(X)' many.lua 3.2
c "-E with an empty environment" "" -E path.lua
c "-l over several libraries" "" LUA_PATH='?.lua;;' -l liba -lliba -lstring -l io libb.lua
c "-l with explicit global names" "" -l 'str=string' '-lm=math' -e 'print(m.sin(0))' alias.lua
c "arg table with '-e ' and --" "" '-e ' -- argcheck.lua a b c
c "arg changed before the script" 'print(...)' -e 'arg[1] = 100' - 
c "arg is not a table" '' -e 'arg = 1' -
c "debug.debug" 'io.stderr:write(1000)
cont
' -e "require'debug'.debug()"
c "no warnings by default (stdin)" 'io.stderr:write(1); warn[[XXX]]'
c "warning control messages" "" -W warnings.lua
c "errors in finalizers become warnings" "" -W gcwarn.lua
c "finalizer order when closing" "" -W gcorder.lua
c "thirty arguments" "" many.lua $(printf 'a %.0s' $(seq 30))
c "several -e forms" "" '-eprint(1)' -ea=3 -e 'print(a)'
c "-i: returns and long strings" 'a = [[b
c
d]]
=a
(6*2-6) -- ===
' -e "_PROMPT='' _PROMPT2=''" -i
c "-i: non-string prompt called each time" ' --
a = 2
' -e 'local C = 0; _PROMPT=setmetatable({},{__tostring = function () C = C + 1; return C end})' -i
c "error object whose __tostring inspects the stack" "" errobj.lua
c "error{}" "" -e 'error{}'
c "to-be-closed variables and os.exit(true, true)" "" tbc.lua
c "os.exit(nil, true)" "" -e 'os.exit(nil, true)'
c "os.exit(1, true)" "" -e 'os.exit(1, true)'
c "-h is not an option" "" -h
c "--- is not an option" "" ---
c "-vv is not an option" "" -vv
c "-iv is not an option" "" -iv
c "-e with a syntax error" "" -e a
c "-l needs an argument" "" -l
c "-v then -e" "" -v -e "print'hello'"

sigint() {
  # Ctrl-C interrupts a running script; pcall catches it and the script goes on.
  exec 3< <("$LUAI" -e 'pcall(function () print(12); io.stdout:flush(); while true do end end); print(42)' & echo $!)
  local pid line1 line2
  read -r pid <&3
  read -r line1 <&3
  kill -INT "$pid"
  read -r line2 <&3
  exec 3<&-
  expect_eq "$line1 $line2" "12 42"
}
t "lua5.4 compat: SIGINT interrupts a running chunk" sigint

finish
