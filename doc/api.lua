-- Writes the manual page mutuals-api(7) from help("all"), the text the REPL's
-- help() shows, so that the page and help() cannot drift apart:
--   build/mutuals-lua doc/api.lua VERSION > build/mutuals-api.7   (make does this)
local mutuals = require "mutuals"

local version = arg[1] or mutuals.version

-- roff-safe: a backslash as \e, a line that begins with . or ' protected, and non-ASCII as \[uXXXX]
local function roff(line)
  line = line:gsub("\\", "\\e")
  if line:match("^[.']") then line = "\\&" .. line end
  return (line:gsub(utf8.charpattern, function(ch)   -- non-ASCII as groff's \[uXXXX]
    return #ch > 1 and ("\\[u%04X]"):format(utf8.codepoint(ch)) or ch
  end))
end

local out = {
  ('.TH MUTUALS-API 7 "" "mutuals %s" "mutuals manual"'):format(version),
  ".SH NAME",
  "mutuals-api \\- the Lua API of mutuals: stores, collections, records, qualified values, surveys, reports",
  ".SH SYNOPSIS",
  ".nf",
  'local mutuals = require "mutuals"',
  "local db <close> = mutuals.open()          \\-\\- or mutuals.store(); in mutuals run and the REPL: db",
  'for m in db.mutuals:where{status = "operating"}:order("-staff"):rows() do print(m.name, m.staff) end',
  'local report = require "mutuals.report"',
  ".fi",
  ".SH DESCRIPTION",
  "Every function and method of the mutuals module and its report library, as",
  ".B help()",
  "gives them in the REPL. This page is generated from",
  '.B help("all")',
  "when mutuals is built, so it says exactly what the installed version offers.",
  "A figure is a qualified value: a bound stays a bound through arithmetic and an unknown is never 0.",
}

local open = false
local function close_block()
  if open then out[#out + 1] = ".fi" end
  open = false
end

for line in (mutuals.help("all") .. "\n"):gmatch("(.-)\n") do
  local head, rest = line:match("^([A-Z][A-Z ]+):?%s*(.*)$")
  if head and not line:match("^%s") then
    close_block()
    out[#out + 1] = ".SH " .. head
    if rest ~= "" then out[#out + 1] = roff(rest) end
  elseif line == "" then
    close_block()
  else
    if not open then
      out[#out + 1] = ".PP"
      out[#out + 1] = ".nf"
      open = true
    end
    out[#out + 1] = roff(line)
  end
end
close_block()
out[#out + 1] = ".SH SEE ALSO"
out[#out + 1] = ".BR mutuals (1),"
out[#out + 1] = ".BR mutuals-lua (1),"
out[#out + 1] = ".BR lua5.4 (1)"
io.write(table.concat(out, "\n"), "\n")
