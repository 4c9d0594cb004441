-- mutuals.report: reports built from headings, paragraphs, tables and
-- charts, rendered to Markdown, a self-contained HTML page, or their tables
-- as CSV and JSON. Figures are formatted for the field (percentages, £,
-- thousands, dates) with their qualifiers, and every figure, table or chart
-- that names a source adds it to the list of sources the report ends with,
-- taken from the store's provenance. Charts are drawn by gnuplot.
local mutuals = require "mutuals"

-- Drawing charts needs a temporary file and gnuplot: the library keeps its own
-- references, so a sandboxed script (which has neither) can still get charts.
local os_execute, os_tmpname, os_remove, io_open = os.execute, os.tmpname, os.remove, io.open

local M = {}

---------------------------------------------------------------- formatting

local format = {}
M.format = format

local function group_thousands(digits)
  local head = (#digits - 1) % 3 + 1
  local out = digits:sub(1, head)
  for i = head + 1, #digits, 3 do out = out .. "," .. digits:sub(i, i + 2) end
  return out
end

-- 20000 -> "20,000"; 1234.5 -> "1,234.5" (decimals as given)
function format.number(n, decimals)
  if n == nil then return "unknown" end
  local s = decimals and ("%." .. decimals .. "f"):format(n) or ("%.15g"):format(n)
  local sign, int, frac = s:match("^(-?)(%d+)(.*)$")
  if not int then return s end
  return sign .. group_thousands(int) .. frac
end

-- 0.16 -> "16%"; (0.1612, 1) -> "16.1%"
function format.percent(share, decimals)
  if share == nil then return "unknown" end
  return ("%." .. (decimals or 0) .. "f%%"):format(share * 100)
end

-- 600000 -> "£600,000"; 11500000 -> "£11.5m"; 1.2e9 -> "£1.2bn"
function format.money(v)
  if v == nil then return "unknown" end
  local function short(x) return (("%.1f"):format(x):gsub("%.0$", "")) end
  if math.abs(v) >= 1e9 then return "£" .. short(v / 1e9) .. "bn" end
  if math.abs(v) >= 1e6 then return "£" .. short(v / 1e6) .. "m" end
  return "£" .. format.number(math.floor(v + 0.5))
end

local months = {"January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December"}

-- "2012-06-25" -> "25 June 2012"; "2012-06" -> "June 2012"; "2012" -> "2012"
function format.date(d)
  if d == nil then return "undated" end
  local y, m, day = d:match("^(%d%d%d%d)%-?(%d?%d?)%-?(%d?%d?)$")
  if not y then return d end
  if m == "" then return y end
  if day == "" then return months[tonumber(m)] .. " " .. y end
  return ("%d %s %s"):format(tonumber(day), months[tonumber(m)], y)
end

local function is_qualified(x)
  local mt = getmetatable(x)
  return type(mt) == "table" and mt.__name == "mutuals.qvalue"
end
M.is_qualified = is_qualified

local qualifier_words = {
  exact = "", at_least = "at least ", more_than = "more than ", approximately = "approximately ",
  around = "around ", up_to = "up to ", at_most = "at most ", less_than = "less than ", about = "about ",
}

-- The words a qualifier puts before a figure: "at_least" -> "at least "
function format.qualifier(qualifier)
  return qualifier_words[qualifier or "exact"] or (qualifier .. " ")
end

-- A figure with its qualifier, from a qualified value or (value, unit,
-- qualifier): ("at_least", 58) -> "at least 58". The wording and the outward
-- rounding of bounds are the qualified value's own (mutuals.qualified); a
-- plain unit is left to the column heading, £, % and -fold stay.
function format.qualified(value, unit, qualifier)
  if is_qualified(value) then return value:text{unit = false} end
  if value == nil then return "unknown" end
  return mutuals.qualified(value, qualifier, {unit = unit}):text{unit = false}
end

---------------------------------------------------------------- the report

local Report = {}
Report.__index = Report

-- report.new{title =, db =, as_of =, subtitle =, strict =}
-- strict: rendering refuses a paragraph sentence, table or chart without a
-- citation (the shipped reports are strict).
function M.new(opts)
  assert(type(opts) == "table" and opts.title, "report.new{title = ..., db = store}")
  return setmetatable({title = opts.title, subtitle = opts.subtitle, db = opts.db or mutuals.store(),
                       as_of = opts.as_of, strict = opts.strict, blocks = {}, sources = {}, order = {}}, Report)
end

-- The citation mark for a source (id, record, or anything with source_id).
function Report:cite(src)
  local id = src
  if type(src) ~= "number" then
    local is_source = type(src.entity) == "function" and src:entity() == "source"
    id = is_source and src.id or src.source_id
  end
  assert(math.type(id) == "integer", "cite: give a source id or a record with a source")
  if not self.sources[id] then
    self.order[#self.order + 1] = id
    self.sources[id] = #self.order
  end
  return ("[%d]"):format(self.sources[id])
end

-- The marks of every source in a list of ids, records or qualified values, each once.
function Report:cite_all(list)
  local marks, seen = {}, {}
  local function add(src)
    local m = self:cite(src)
    if not seen[m] then
      seen[m] = true
      marks[#marks + 1] = m
    end
  end
  for _, s in ipairs(list or {}) do
    if is_qualified(s) then
      for _, id in ipairs(s.sources) do add(id) end
    else
      add(s)
    end
  end
  return table.concat(marks, "")
end

-- A figure as cited text: an observation or any record with a measure
-- ("at least 58 [1]"), or a qualified value with the marks of all its sources.
function Report:figure(o, opts)
  local q = is_qualified(o) and o or o:measure()
  local text = (opts and opts.unit) and q:text() or format.qualified(q)
  local marks = self:cite_all(is_qualified(o) and {q} or {o})
  return marks ~= "" and (text .. " " .. marks) or text
end

function Report:heading(text, level)
  self.blocks[#self.blocks + 1] = {kind = "heading", text = text, level = level or 2}
  return self
end

-- paragraph(text [, sources]): the sources' marks end the text (before its final full stop).
function Report:paragraph(text, sources)
  if sources then
    local body, stop = text:match("^(.-)([.!?]?)$")
    text = body .. " " .. self:cite_all(sources) .. stop
  end
  self.blocks[#self.blocks + 1] = {kind = "paragraph", text = text}
  return self
end

-- table{caption =, columns = {"A", "B"}, rows = {{...}, ...}, sources = {ids or records}, align = {"l", "r"}}
function Report:table(t)
  assert(t.columns and t.rows, "table{columns = ..., rows = ...}")
  local cites = self:cite_all(t.sources)
  self.blocks[#self.blocks + 1] = {kind = "table", caption = t.caption, columns = t.columns, rows = t.rows,
                                   align = t.align or {}, cites = cites, name = t.name}
  return self
end

---------------------------------------------------------------- series of figures over time

-- The day a date's period starts and ends (days since 1970), and its middle.
local function span(date)
  local first, last = mutuals.date_span(date)
  return first, last, (first + last + 1) / 2
end

--[[
report.series(observations [, {name = function(s) -> text}]) -> {series, ...}
Figures over time, split so that no series mixes a metric, a unit, a
geography or levels with changes: a 2012 count with no area stated and a
2014 count for England and Wales are two series. Each series is
{name, metric, unit, geography, points = {{q, date, first, last, mid, observation}}}
in date order; undated figures cannot be placed in time and are left out
(listed in series.undated).
]]
function M.series(list, opts)
  local by, order, undated = {}, {}, {}
  for _, o in ipairs(list) do
    local q = is_qualified(o) and o or o:measure()
    local date = q.as_of or q.date_from
    if not date then
      undated[#undated + 1] = o
    else
      local metric = (not is_qualified(o)) and o.metric or ""
      local change = (not is_qualified(o)) and o.is_change == 1
      local key = table.concat({metric, q.unit or "", q.geography or "", change and "change" or "level"}, "\0")
      local s = by[key]
      if not s then
        s = {metric = metric, unit = q.unit, geography = q.geography, change = change, points = {}}
        by[key] = s
        order[#order + 1] = s
      end
      local first, last, mid = span(date)
      s.points[#s.points + 1] = {q = q, date = date, first = first, last = last, mid = mid,
                                 observation = (not is_qualified(o)) and o or nil}
    end
  end
  for _, s in ipairs(order) do
    table.sort(s.points, function(a, b) return a.mid < b.mid end)
    s.name = opts and opts.name and opts.name(s) or
      ("%s%s (%s)"):format(s.metric ~= "" and s.metric .. ", " or "", s.unit or "no unit",
                           s.geography or "area not stated")
  end
  order.undated = undated
  return order
end

-- chart{type = "bar"|"line"|"stacked", title =, labels = {...}, series = {{name =, values = {...}}},
--       ylabel =, percent = bool, sources = {...}}
-- chart{type = "time", title =, series = report.series(observations), ylabel =, sources =}:
--   x proportional to time, each figure placed over the period its date covers,
--   bounds drawn as bounds (arrows and open markers), the qualifier in the legend.
function Report:chart(c)
  assert(({bar = true, line = true, stacked = true, time = true})[c.type],
    "chart type must be bar, line, stacked or time")
  if c.type == "time" then
    assert(c.series and #c.series > 0 and c.series[1].points, "chart{type = 'time', series = report.series(observations)}")
    local src = c.sources or {}
    if not c.sources then
      for _, s in ipairs(c.series) do
        for _, p in ipairs(s.points) do src[#src + 1] = p.q end
      end
    end
    self.blocks[#self.blocks + 1] = {kind = "chart", chart = c, cites = self:cite_all(src)}
    return self
  end
  assert(c.labels and c.series and #c.series > 0, "chart{labels = ..., series = {{name =, values =}}}")
  for _, s in ipairs(c.series) do
    assert(#s.values == #c.labels, ("chart '%s': series '%s' has %d values for %d labels"):format(
      c.title or "", s.name or "?", #s.values, #c.labels))
  end
  if c.type == "line" then
    -- Labels that are dates spaced evenly would draw time wrong.
    for _, l in ipairs(c.labels) do
      if type(l) == "string" and l:match("^%d%d%d%d") then
        error(("chart '%s': the labels are dates: use type = 'time' with report.series(observations), " ..
          "which spaces them by time"):format(c.title or ""), 2)
      end
    end
  end
  self.blocks[#self.blocks + 1] = {kind = "chart", chart = c, cites = self:cite_all(c.sources)}
  return self
end

---------------------------------------------------------------- charts (gnuplot)

-- A string in a gnuplot command: single quotes, where gnuplot substitutes
-- nothing. In double quotes it would run `backquoted` text as a shell
-- command, and titles and labels come from the data. A single quote cannot
-- be escaped there, so it becomes the typographic apostrophe.
local function gnuplot_quote(s)
  return "'" .. tostring(s):gsub("[\r\n\t]", " "):gsub("'", "\u{2019}") .. "'"
end

-- A label inside a data block (not a command: no substitution), one field of a tab-separated line.
local function gnuplot_datum(s)
  return '"' .. tostring(s):gsub('[\r\n\t"]', " ") .. '"'
end

-- A file name for the shell that runs gnuplot (our own temporary names, quoted all the same).
local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local PALETTE = {"'#1f5f8b'", "'#e07b39'", "'#8c8c8c'", "'#59a14f'", "'#b07aa1'"}

local function header(c, kind, out)
  local lines = {
    "reset",
    kind == "svg" and 'set terminal svg size 720,400 dynamic font "sans,12" background rgb "white"'
      or 'set terminal pngcairo size 720,400 font "sans,10" background rgb "white"',
    "set output " .. gnuplot_quote(out),
    "set termoption noenhanced",   -- labels are text: an underscore is not a subscript
    "set datafile separator '\\t'",
    "set title " .. gnuplot_quote(c.title or ""),
    "set ylabel " .. gnuplot_quote(c.ylabel or (c.percent and "%" or "")),
    "set key outside bottom center horizontal",
    "set border 3", "set tics nomirror", "set grid ytics lc rgb '#dddddd'",
  }
  for i, colour in ipairs(PALETTE) do lines[#lines + 1] = ("set linetype %d lc rgb %s"):format(i, colour) end
  return lines
end

-- A bar, stacked or categorical line chart: its gnuplot lines, data inline.
local function categorical(c, n, lines)
  local block = ("$c%d"):format(n)
  lines[#lines + 1] = block .. " << EOD"
  for i, label in ipairs(c.labels) do
    local row = {gnuplot_datum(label)}
    for _, s in ipairs(c.series) do
      local v = s.values[i]
      row[#row + 1] = v == nil and "NaN" or ("%.10g"):format(c.percent and v * 100 or v)
    end
    lines[#lines + 1] = table.concat(row, "\t")
  end
  lines[#lines + 1] = "EOD"
  lines[#lines + 1] = "set yrange [0:*]"
  local plots = {}
  if c.type == "line" then
    for i, s in ipairs(c.series) do
      plots[#plots + 1] = ("%s using 0:%d:xtic(1) with linespoints lw 2 pt 7 title %s"):format(block, i + 1,
        gnuplot_quote(s.name or ""))
    end
    lines[#lines + 1] = "set offsets 0.3, 0.3, 0, 0"
  else
    lines[#lines + 1] = "set style data histograms"
    lines[#lines + 1] = c.type == "stacked" and "set style histogram rowstacked" or
      "set style histogram clustered gap 1"
    lines[#lines + 1] = "set style fill solid 0.9 border -1"
    lines[#lines + 1] = "set boxwidth 0.8"
    if #c.labels > 5 then lines[#lines + 1] = "set xtics rotate by -30" end
    for i, s in ipairs(c.series) do
      plots[#plots + 1] = ("%s using %d%s title %s"):format(block, i + 1, i == 1 and ":xtic(1)" or "",
        gnuplot_quote(s.name or ""))
    end
    if #c.series == 1 and not c.series[1].name then lines[#lines + 1] = "set key off" end
    -- Counts: whole-number ticks only.
    local whole, top = true, 0
    for _, s in ipairs(c.series) do
      for _, v in ipairs(s.values) do
        whole = whole and math.type(v) == "integer"
        top = math.max(top, v)
      end
    end
    if whole and not c.percent and top <= 10 then lines[#lines + 1] = "set ytics 1" end
  end
  lines[#lines + 1] = "plot " .. table.concat(plots, ", ")
end

-- How each kind of figure is drawn on a time chart, and named in the legend.
local MARKS = {
  exact = {pt = 7, legend = "exact figure"},
  low = {pt = 8, legend = "lower bound (at least): arrow up"},
  high = {pt = 10, legend = "upper bound (up to): arrow down"},
  approx = {pt = 12, legend = "approximate figure"},
  range = {pt = 6, legend = "range (between)"},
}

local function mark_of(q)
  local k = q.qualifier
  if k == "exact" then return "exact" end
  if k == "at_least" or k == "more_than" then return "low" end
  if k == "up_to" or k == "less_than" or k == "at_most" then return "high" end
  if k == "between" then return "range" end
  return "approx"
end

-- A time chart: x in seconds since 1970 at the middle of each figure's
-- period, with a horizontal bar over the whole period; bounds as arrows.
local function timeline(c, n, lines)
  local ymax, xmin, xmax, used = 0, math.huge, -math.huge, {}
  for _, s in ipairs(c.series) do
    for _, p in ipairs(s.points) do
      local y = p.q.value or p.q.hi or p.q.lo
      if y then ymax = math.max(ymax, y) end
      xmin, xmax = math.min(xmin, p.first), math.max(xmax, p.last + 1)
    end
  end
  local scale = c.percent and 100 or 1
  local arrow = ymax * scale * 0.12
  local plots = {}
  for i, s in ipairs(c.series) do
    local lt = (i - 1) % #PALETTE + 1
    local line = ("$c%ds%d"):format(n, i)
    lines[#lines + 1] = line .. " << EOD"
    for _, p in ipairs(s.points) do
      local y = p.q.value or ((p.q.lo or 0) + (p.q.hi or 0)) / 2
      lines[#lines + 1] = ("%.0f\t%.10g"):format(p.mid * 86400, y * scale)
    end
    lines[#lines + 1] = "EOD"
    plots[#plots + 1] = ("%s using 1:2 with lines lt %d lw 1.5 dt 2 title %s"):format(line, lt,
      gnuplot_quote(s.name or ""))
    local groups = {}
    for _, p in ipairs(s.points) do
      local m = mark_of(p.q)
      groups[m] = groups[m] or {}
      table.insert(groups[m], p)
    end
    for _, m in ipairs{"exact", "low", "high", "approx", "range"} do
      local pts = groups[m]
      if pts then
        used[m] = true
        local block = ("$c%ds%d%s"):format(n, i, m)
        lines[#lines + 1] = block .. " << EOD"
        for _, p in ipairs(pts) do
          local q = p.q
          local y = (q.value or ((q.lo or 0) + (q.hi or 0)) / 2) * scale
          -- x, y, period start, period end, bound (range: low and high)
          lines[#lines + 1] = ("%.0f\t%.10g\t%.0f\t%.0f\t%.10g\t%.10g"):format(p.mid * 86400, y, p.first * 86400,
            (p.last + 1) * 86400, (q.lo or y / scale) * scale, (q.hi or y / scale) * scale)
        end
        lines[#lines + 1] = "EOD"
        if m == "range" then
          plots[#plots + 1] = ("%s using 1:2:3:4:5:6 with xyerrorbars lt %d pt %d ps 1.2 notitle"):format(block, lt,
            MARKS[m].pt)
        else
          plots[#plots + 1] = ("%s using 1:2:3:4 with xerrorbars lt %d pt %d ps 1.2 notitle"):format(block, lt,
            MARKS[m].pt)
        end
        if m == "low" or m == "high" then
          plots[#plots + 1] = ("%s using 1:2:(0):(%s%.10g) with vectors head filled lt %d notitle"):format(block,
            m == "low" and "" or "-", arrow, lt)
        end
      end
    end
  end
  for _, m in ipairs{"exact", "low", "high", "approx", "range"} do
    if used[m] then
      plots[#plots + 1] = ("keyentry with points pt %d lc rgb 'black' title %s"):format(MARKS[m].pt,
        gnuplot_quote(MARKS[m].legend))
    end
  end
  -- Ticks at the start of each year (or of each quarter over a short span), at their true dates.
  local y0, y1 = tonumber(os.date("!%Y", xmin * 86400)), tonumber(os.date("!%Y", xmax * 86400))
  local tics = {}
  for y = y0, y1 + 1 do
    local first = mutuals.date_span(tostring(y))
    if first >= xmin - 200 and first <= xmax + 200 then
      tics[#tics + 1] = ('"%d" %d'):format(y, first * 86400)
    end
  end
  lines[#lines + 1] = "set xdata time"
  lines[#lines + 1] = 'set timefmt "%s"'
  if #tics >= 2 then lines[#lines + 1] = "set xtics (" .. table.concat(tics, ", ") .. ")" end
  local pad = math.max(30, (xmax - xmin) * 0.04)
  lines[#lines + 1] = ("set xrange [%.0f:%.0f]"):format((xmin - pad) * 86400, (xmax + pad) * 86400)
  lines[#lines + 1] = ("set yrange [0:%.10g]"):format(math.max(1, (ymax * scale + arrow) * 1.1))
  lines[#lines + 1] = "set key outside right center vertical Left reverse width -6 font \",10\""
  lines[#lines + 1] = "plot " .. table.concat(plots, ", ")
end

--[[
Draw charts with one gnuplot process: a gnuplot start-up costs more than
the drawing. Returns the files' bytes in order. kind: "svg" or "png".
]]
function M.draw_many(charts, kind)
  kind = kind or "svg"
  if #charts == 0 then return {} end
  local script = os_tmpname()
  local outs, lines = {}, {}
  for n, c in ipairs(charts) do
    outs[n] = os_tmpname()
    for _, l in ipairs(header(c, kind, outs[n])) do lines[#lines + 1] = l end
    if c.type == "time" then timeline(c, n, lines) else categorical(c, n, lines) end
    lines[#lines + 1] = "unset output"
  end
  local f = assert(io_open(script, "w"))
  f:write(table.concat(lines, "\n"), "\n")
  f:close()
  local ok, how, code = os_execute("gnuplot " .. shell_quote(script) .. " 2>" .. shell_quote(script .. ".err"))
  local errf = io_open(script .. ".err")
  local errtext = errf and errf:read("a") or ""
  if errf then errf:close() end
  os_remove(script)
  os_remove(script .. ".err")
  local bytes = {}
  for n, out in ipairs(outs) do
    f = ok and io_open(out, "rb")
    bytes[n] = f and f:read("a")
    if f then f:close() end
    os_remove(out)
  end
  if not ok or #bytes < #charts then
    error(("charts: gnuplot failed (%s %s): %s (is gnuplot installed? make deps)"):format(how, code, errtext), 2)
  end
  return bytes
end

-- Draw one chart; returns the file's bytes.
function M.draw(c, kind)
  return M.draw_many({c}, kind)[1]
end

-- Is gnuplot on the PATH? Asked once per process.
local have_gnuplot
local function gnuplot_installed()
  if have_gnuplot == nil then have_gnuplot = os_execute("command -v gnuplot >/dev/null 2>&1") == true end
  return have_gnuplot
end

-- The charts of the report, drawn once per render. Rendered without charts
-- (render(kind, {charts = false}), `mutuals report --no-charts`), none
-- ({missing = true}): the pages show each chart's data as a table with a
-- note. Without gnuplot and without that choice, an error that says how to
-- install it: an unattended report must not lose its charts unnoticed.
function Report:drawn(kind)
  local charts = {}
  for _, b in ipairs(self.blocks) do
    if b.kind == "chart" then charts[#charts + 1] = b.chart end
  end
  if #charts == 0 then return {} end
  if self.no_charts then return {missing = true} end
  if not gnuplot_installed() then
    error(("%d chart%s need%s gnuplot, which is not installed: apt-get install gnuplot-nox (make deps), or render "
      .. "without charts (mutuals report --no-charts; r:render(kind, {charts = false})), which shows each chart's "
      .. "data as a table"):format(#charts, #charts == 1 and "" or "s", #charts == 1 and "s" or ""), 0)
  end
  return M.draw_many(charts, kind)
end

-- A chart's data as a table block: a row per label (or per dated figure of a time chart).
local function chart_table(b)
  local c, t = b.chart, {kind = "table", align = {}, cites = b.cites}
  t.caption = (c.title or "Chart") .. " (chart left out: rendered without charts; its data)"
  if c.type == "time" then
    t.columns, t.rows = {"Series", "Date", "Figure"}, {}
    for _, s in ipairs(c.series) do
      for _, p in ipairs(s.points) do t.rows[#t.rows + 1] = {s.name, format.date(p.date), p.q:text{unit = false}} end
    end
  else
    t.columns, t.rows = {""}, {}
    for i, s in ipairs(c.series) do
      t.columns[i + 1] = s.name or ("series " .. i)
      t.align[i + 1] = "r"
    end
    for j, label in ipairs(c.labels) do
      local row = {label}
      for i, s in ipairs(c.series) do row[i + 1] = s.values[j] end
      t.rows[j] = row
    end
  end
  return t
end

---------------------------------------------------------------- citations

-- The sentences of a text: split after . ! or ? where a capital follows.
function M.sentences(text)
  local out, start = {}, 1
  for stop, nxt in text:gmatch("()[.!?]%s+()%u") do
    out[#out + 1] = text:sub(start, stop)
    start = nxt
  end
  if start <= #text then out[#out + 1] = text:sub(start) end
  return out
end

-- Everything in a report that carries no citation: sentences, tables, charts.
function M.uncited(r)
  local missing = {}
  for _, b in ipairs(r.blocks) do
    if b.kind == "paragraph" then
      for _, s in ipairs(M.sentences(b.text)) do
        if not s:find("%[%d+%]") then missing[#missing + 1] = "sentence: " .. s end
      end
    elseif b.kind == "table" and b.cites == "" then
      local cited = #b.rows > 0
      for _, row in ipairs(b.rows) do
        local any = false
        for i = 1, #b.columns do any = any or tostring(row[i] or ""):find("%[%d+%]") ~= nil end
        cited = cited and any
      end
      if not cited then missing[#missing + 1] = "table: " .. (b.caption or table.concat(b.columns, ", ")) end
    elseif b.kind == "chart" and b.cites == "" then
      missing[#missing + 1] = "chart: " .. (b.chart.title or "untitled")
    end
  end
  return missing
end

local function check_citations(self)
  if not self.strict then return end
  local missing = M.uncited(self)
  if #missing > 0 then
    error(("report '%s' cites no source for:\n  %s\n(cite one with r:cite(record), r:figure(obs) or " ..
      "paragraph(text, {sources}))"):format(self.title, table.concat(missing, "\n  ")), 3)
  end
end

---------------------------------------------------------------- rendering

-- What a table cell shows: a qualified value as its figure ("at least 58"; the unit is the column's, the
-- source the row's citation), an unknown as nothing, anything else as itself.
local function shown(v)
  if v == nil then return "" end
  if is_qualified(v) then return v:text{unit = false} end
  return tostring(v)
end

local function esc(s)
  return (tostring(s):gsub("[&<>\"]", {["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;"}))
end

local function md_cell(s)
  return (shown(s):gsub("|", "\\|"):gsub("\n", " "))
end

function Report:source_list()
  local list = {}
  for i, id in ipairs(self.order) do
    local s = self.db.sources:get(id)
    local parts = {s.title}
    if s.author then parts[#parts + 1] = s.author end
    if s.publisher then parts[#parts + 1] = s.publisher end
    parts[#parts + 1] = s.published and format.date(s.published) or "undated"
    list[i] = {mark = ("[%d]"):format(i), text = table.concat(parts, ", "), location = s.location, kind = s.kind,
               fetched_at = s.fetched_at}
  end
  return list
end

local function md_table(b, out)
  if b.caption then out[#out + 1] = "**" .. b.caption .. "** " .. b.cites; out[#out + 1] = "" end
  local head, rule = {}, {}
  for i, c in ipairs(b.columns) do
    head[i] = md_cell(c)
    rule[i] = b.align[i] == "r" and "---:" or "---"
  end
  out[#out + 1] = "| " .. table.concat(head, " | ") .. " |"
  out[#out + 1] = "| " .. table.concat(rule, " | ") .. " |"
  for _, row in ipairs(b.rows) do
    local cells = {}
    for i = 1, #b.columns do cells[i] = md_cell(row[i]) end
    out[#out + 1] = "| " .. table.concat(cells, " | ") .. " |"
  end
end

function Report:markdown()
  check_citations(self)
  local drawn, nchart = self:drawn("svg"), 0
  local out = {"# " .. self.title, ""}
  if self.subtitle then out[#out + 1] = "*" .. self.subtitle .. "*"; out[#out + 1] = "" end
  for _, b in ipairs(self.blocks) do
    if b.kind == "heading" then
      out[#out + 1] = ("#"):rep(b.level) .. " " .. b.text
    elseif b.kind == "paragraph" then
      out[#out + 1] = b.text
    elseif b.kind == "table" then
      md_table(b, out)
    elseif b.kind == "chart" and drawn.missing then
      md_table(chart_table(b), out)
    elseif b.kind == "chart" then
      nchart = nchart + 1
      local svg = drawn[nchart]
      out[#out + 1] = ("![%s](data:image/svg+xml;base64,%s) %s"):format(md_cell(b.chart.title or "chart"),
        mutuals.base64(svg), b.cites)
    end
    out[#out + 1] = ""
  end
  out[#out + 1] = "## Sources"
  out[#out + 1] = ""
  for _, s in ipairs(self:source_list()) do
    out[#out + 1] = ("%s %s. <%s>"):format(s.mark, s.text, s.location)
  end
  out[#out + 1] = ""
  return table.concat(out, "\n")
end

local CSS = [[
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;color:#1d2733;max-width:60rem;margin:2rem auto;
padding:0 1.25rem;line-height:1.5}
h1{font-size:1.9rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #1f5f8b;padding-bottom:.2rem}
.subtitle{color:#55606e;margin-top:0}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.92rem;table-layout:auto}
th,td{padding:.35rem .6rem;border-bottom:1px solid #dde3ea;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
th{background:#eef3f8}td.r,th.r{text-align:right;white-space:nowrap}
caption{text-align:left;font-weight:bold;padding:.3rem 0}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}figcaption{font-size:.85rem;color:#55606e}
.cite{font-size:.8rem;color:#1f5f8b}
ol.sources{font-size:.85rem;padding-left:0;list-style:none}ol.sources li{margin:.3rem 0;overflow-wrap:anywhere}
footer{margin-top:2rem;font-size:.8rem;color:#55606e}
]]

local function html_table(b, out)
  out[#out + 1] = "<table>"
  if b.caption then
    out[#out + 1] = "<caption>" .. esc(b.caption) .. ' <span class="cite">' .. b.cites .. "</span></caption>"
  end
  local head = {}
  for i, c in ipairs(b.columns) do
    head[i] = ("<th%s>%s</th>"):format(b.align[i] == "r" and ' class="r"' or "", esc(c))
  end
  out[#out + 1] = "<thead><tr>" .. table.concat(head) .. "</tr></thead><tbody>"
  for _, row in ipairs(b.rows) do
    local cells = {}
    for i = 1, #b.columns do
      cells[i] = ("<td%s>%s</td>"):format(b.align[i] == "r" and ' class="r"' or "", esc(shown(row[i])))
    end
    out[#out + 1] = "<tr>" .. table.concat(cells) .. "</tr>"
  end
  out[#out + 1] = "</tbody></table>"
end

function Report:html()
  check_citations(self)
  local drawn, nchart = self:drawn("svg"), 0
  local out = {"<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
               '<meta name="viewport" content="width=device-width, initial-scale=1">',
               "<title>" .. esc(self.title) .. "</title><style>" .. CSS .. "</style></head><body>",
               "<header><h1>" .. esc(self.title) .. "</h1>"}
  if self.subtitle then out[#out + 1] = '<p class="subtitle">' .. esc(self.subtitle) .. "</p>" end
  out[#out + 1] = "</header><main>"
  for _, b in ipairs(self.blocks) do
    if b.kind == "heading" then
      out[#out + 1] = ("<h%d>%s</h%d>"):format(b.level, esc(b.text), b.level)
    elseif b.kind == "paragraph" then
      out[#out + 1] = "<p>" .. esc(b.text):gsub("%[(%d+)%]", '<span class="cite">[%1]</span>') .. "</p>"
    elseif b.kind == "table" then
      html_table(b, out)
    elseif b.kind == "chart" and drawn.missing then
      html_table(chart_table(b), out)
    elseif b.kind == "chart" then
      nchart = nchart + 1
      local svg = drawn[nchart]:gsub("^<%?xml.-%?>%s*", ""):gsub("<!DOCTYPE.->%s*", "")
      out[#out + 1] = '<figure class="chart">' .. svg .. "<figcaption>" .. esc(b.chart.title or "") ..
        ' <span class="cite">' .. b.cites .. "</span></figcaption></figure>"
    end
  end
  out[#out + 1] = '</main><section><h2>Sources</h2><ol class="sources">'
  for _, s in ipairs(self:source_list()) do
    local loc = s.location:match("^https?://") and ('<a href="' .. esc(s.location) .. '">' .. esc(s.location) .. "</a>")
      or esc(s.location)
    out[#out + 1] = ("<li>%s %s. %s</li>"):format(s.mark, esc(s.text), loc)
  end
  out[#out + 1] = "</ol></section><footer>Generated by mutuals " .. mutuals.version ..
    (self.as_of and (" as of " .. esc(format.date(self.as_of))) or "") .. ".</footer></body></html>\n"
  return table.concat(out, "\n")
end

local function csv_field(v)
  if v == nil then return "" end
  if type(v) == "number" then   -- 58, not 58.0; every digit a double holds otherwise
    if v ~= v or v == math.huge or v == -math.huge then return "" end
    if v == math.floor(v) and math.abs(v) < 2^53 then return ("%d"):format(v) end
    return ("%.17g"):format(v)
  end
  local s = tostring(v)
  if s:find('[,"\n\r]') then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end

-- A table cell's parts for the data outputs: the text shown and, for a number
-- or a qualified value, the figure itself with its qualifier and bounds, so
-- that "at least 58" reaches a spreadsheet as 58 with qualifier at_least and
-- lo 58, never as the words.
local function cell_parts(v)
  if is_qualified(v) then
    return {text = v:text{unit = false}, value = v.value, qualifier = v.qualifier or "exact", lo = v.lo, hi = v.hi,
            unit = v.unit, as_of = v.as_of}
  end
  if type(v) == "number" then return {text = tostring(v), value = v, qualifier = "exact", lo = v, hi = v} end
  return {text = v ~= nil and tostring(v) or nil}
end

local function table_name(b, n)
  return b.name or b.caption or ("table " .. n)
end

-- The tables as one tidy CSV (a row per cell, one header): table, row, column,
-- the text shown, and the figure (value, qualifier, lo, hi, unit, as_of) where
-- the cell holds one; then the sources, as rows of the table "sources". Load it
-- with read.csv or pandas and filter by table. Headings and paragraphs are in
-- the JSON and the pages.
local CSV_COLUMNS = {"table", "row", "column", "text", "value", "qualifier", "lo", "hi", "unit", "as_of", "sources"}

function Report:csv()
  local out = {table.concat(CSV_COLUMNS, ",")}
  local n = 0
  for _, b in ipairs(self.blocks) do
    if b.kind == "table" then
      n = n + 1
      for r, row in ipairs(b.rows) do
        for i, col in ipairs(b.columns) do
          local c = cell_parts(row[i])
          out[#out + 1] = table.concat({csv_field(table_name(b, n)), r, csv_field(col), csv_field(c.text),
            csv_field(c.value), csv_field(c.qualifier), csv_field(c.lo), csv_field(c.hi), csv_field(c.unit),
            csv_field(c.as_of), csv_field(b.cites ~= "" and b.cites or nil)}, ",")
        end
      end
    end
  end
  for i, src in ipairs(self:source_list()) do
    out[#out + 1] = table.concat({"sources", i, "source", csv_field(src.mark .. " " .. src.text), "", "", "", "", "",
                                  "", csv_field(src.location)}, ",")
  end
  return table.concat(out, "\n") .. "\n"
end

---------------------------------------------------------------- JSON

-- JSON text for a Lua value: strings escaped (RFC 8259), non-finite numbers
-- as null (JSON has none), and objects written with their keys in the order
-- given ({_order = {...}}), so that the output reads like the report.
local function json(v)
  local t = type(v)
  if v == nil then return "null" end
  if t == "boolean" then return v and "true" or "false" end
  if t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    if math.type(v) == "integer" then return tostring(v) end
    return ("%.17g"):format(v)
  end
  if t == "string" then
    return '"' .. v:gsub('[%c"\\]', function(ch)
      local named = {['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t"}
      return named[ch] or ("\\u%04x"):format(ch:byte())
    end) .. '"'
  end
  if t == "table" and v._order then
    local parts = {}
    for _, k in ipairs(v._order) do
      if v[k] ~= nil then parts[#parts + 1] = json(k) .. ":" .. json(v[k]) end
    end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  if t == "table" then
    local parts = {}
    for i = 1, (v.n or #v) do parts[i] = json(v[i]) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  return json(tostring(v))
end

local function object(order, fields)
  fields._order = order
  return fields
end

-- A cell in JSON: a string or number as itself, an unknown as null, a qualified value as an object.
local function json_cell(v)
  if is_qualified(v) then
    local c = cell_parts(v)
    return object({"text", "value", "qualifier", "lo", "hi", "unit", "as_of"}, c)
  end
  if v == nil or type(v) == "number" or type(v) == "string" or type(v) == "boolean" then return v end
  return tostring(v)
end

-- The chart's data, as drawn: labels and series values, or for a time chart each point with its dates.
local function json_chart(c)
  local series = {}
  for i, s in ipairs(c.series) do
    if c.type == "time" then
      local points = {}
      for j, p in ipairs(s.points) do
        local parts = cell_parts(p.q)
        points[j] = object({"date", "first_day", "last_day", "text", "value", "qualifier", "lo", "hi"},
          {date = p.date, first_day = p.first, last_day = p.last, text = parts.text, value = parts.value,
           qualifier = parts.qualifier, lo = parts.lo, hi = parts.hi})
      end
      series[i] = object({"name", "metric", "unit", "geography", "points"},
        {name = s.name, metric = s.metric, unit = s.unit, geography = s.geography, points = points})
    else
      local values = {n = #c.labels}
      for j = 1, #c.labels do values[j] = json_cell(s.values[j]) end
      series[i] = object({"name", "values"}, {name = s.name, values = values})
    end
  end
  return object({"chart", "title", "ylabel", "labels", "series"},
    {chart = c.type, title = c.title, ylabel = c.ylabel, labels = c.labels, series = series})
end

-- The whole report as data: every block in order (headings, paragraphs,
-- tables with their cells, charts with their data), each with its citation
-- marks, then the sources the marks point to.
function Report:json()
  local blocks = {}
  local n = 0
  for _, b in ipairs(self.blocks) do
    if b.kind == "heading" then
      blocks[#blocks + 1] = object({"type", "level", "text"}, {type = "heading", level = b.level, text = b.text})
    elseif b.kind == "paragraph" then
      blocks[#blocks + 1] = object({"type", "text"}, {type = "paragraph", text = b.text})
    elseif b.kind == "table" then
      n = n + 1
      local rows = {}
      for r, row in ipairs(b.rows) do
        local cells = {n = #b.columns}
        for i = 1, #b.columns do cells[i] = json_cell(row[i]) end
        rows[r] = cells
      end
      blocks[#blocks + 1] = object({"type", "name", "caption", "columns", "rows", "cites"},
        {type = "table", name = table_name(b, n), caption = b.caption, columns = b.columns, rows = rows,
         cites = b.cites ~= "" and b.cites or nil})
    elseif b.kind == "chart" then
      local c = json_chart(b.chart)
      c.type = "chart"
      c.cites = b.cites ~= "" and b.cites or nil
      table.insert(c._order, 1, "type")
      c._order[#c._order + 1] = "cites"
      blocks[#blocks + 1] = c
    end
  end
  local sources = {}
  for i, src in ipairs(self:source_list()) do
    sources[i] = object({"mark", "text", "location"}, {mark = src.mark, text = src.text, location = src.location})
  end
  return json(object({"title", "subtitle", "as_of", "generator", "blocks", "sources"},
    {title = self.title, subtitle = self.subtitle, as_of = self.as_of, generator = "mutuals " .. mutuals.version,
     blocks = blocks, sources = sources})) .. "\n"
end

-- render(kind [, {charts = false}]): charts = false leaves the charts out (their data shown as tables).
function Report:render(kind, opts)
  kind = kind or "html"
  local f = ({html = self.html, md = self.markdown, markdown = self.markdown, csv = self.csv, json = self.json})[kind]
  if not f then error(("render: unknown format '%s' (html, md, csv or json)"):format(tostring(kind)), 2) end
  if opts ~= nil and type(opts) ~= "table" then error("render: options must be a table {charts = false}", 2) end
  self.no_charts = opts ~= nil and opts.charts == false
  return f(self)
end

-- Write each chart as name-N.svg/png into dir (for reports that want files).
function Report:save_charts(dir, kind)
  local written = {}
  if self:drawn(kind).missing then error("save_charts: gnuplot is not installed (apt-get install gnuplot-nox)", 2) end
  for n, bytes in ipairs(self:drawn(kind)) do
    local path = ("%s/chart-%d.%s"):format(dir, n, kind or "svg")
    local f = assert(io.open(path, "wb"))
    f:write(bytes)
    f:close()
    written[#written + 1] = path
  end
  return written
end

M.Report = Report
return M
