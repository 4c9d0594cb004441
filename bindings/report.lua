-- mutuals.report: reports built from headings, paragraphs, tables and
-- charts, rendered to Markdown, a self-contained HTML page, or their tables
-- as CSV and JSON. Figures are formatted for the field (percentages, £,
-- thousands, dates) with their qualifiers, and every figure, table or chart
-- that names a source adds it to the list of sources the report ends with,
-- taken from the store's provenance. Charts are drawn by gnuplot.
local mutuals = require "mutuals"

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

local qualifier_words = {
  exact = "", at_least = "at least ", more_than = "more than ", approximately = "approximately ",
  around = "around ", up_to = "up to ",
}

-- The words a qualifier puts before a figure: "at_least" -> "at least "
function format.qualifier(qualifier)
  return qualifier_words[qualifier or "exact"] or (qualifier .. " ")
end

-- A value in its unit with its qualifier: ("at_least", 58) -> "at least 58"
function format.qualified(value, unit, qualifier)
  local text
  if unit == "GBP" then text = format.money(value)
  elseif unit == "share" then text = format.percent(value)
  elseif unit == "ratio" then text = format.number(value) .. "-fold"
  else text = format.number(value) end
  return format.qualifier(qualifier) .. text
end

---------------------------------------------------------------- the report

local Report = {}
Report.__index = Report

-- report.new{title =, db =, as_of =, subtitle =}
function M.new(opts)
  assert(type(opts) == "table" and opts.title, "report.new{title = ..., db = store}")
  return setmetatable({title = opts.title, subtitle = opts.subtitle, db = opts.db or mutuals.store(),
                       as_of = opts.as_of, blocks = {}, sources = {}, order = {}}, Report)
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

local function cite_all(self, list)
  local marks = {}
  for _, s in ipairs(list or {}) do
    local m = self:cite(s)
    local seen = false
    for _, x in ipairs(marks) do seen = seen or x == m end
    if not seen then marks[#marks + 1] = m end
  end
  return table.concat(marks, "")
end

-- An observation (or any record with value, unit, qualifier) as cited text.
function Report:figure(o)
  return format.qualified(o.value, o.unit, o.qualifier) .. " " .. self:cite(o)
end

function Report:heading(text, level)
  self.blocks[#self.blocks + 1] = {kind = "heading", text = text, level = level or 2}
  return self
end

function Report:paragraph(text)
  self.blocks[#self.blocks + 1] = {kind = "paragraph", text = text}
  return self
end

-- table{caption =, columns = {"A", "B"}, rows = {{...}, ...}, sources = {ids or records}, align = {"l", "r"}}
function Report:table(t)
  assert(t.columns and t.rows, "table{columns = ..., rows = ...}")
  local cites = cite_all(self, t.sources)
  self.blocks[#self.blocks + 1] = {kind = "table", caption = t.caption, columns = t.columns, rows = t.rows,
                                   align = t.align or {}, cites = cites, name = t.name}
  return self
end

-- chart{type = "bar"|"line"|"stacked", title =, labels = {...}, series = {{name =, values = {...}}},
--       ylabel =, percent = bool, sources = {...}}
function Report:chart(c)
  assert(({bar = true, line = true, stacked = true})[c.type], "chart type must be bar, line or stacked")
  assert(c.labels and c.series and #c.series > 0, "chart{labels = ..., series = {{name =, values =}}}")
  for _, s in ipairs(c.series) do
    assert(#s.values == #c.labels, ("chart '%s': series '%s' has %d values for %d labels"):format(
      c.title or "", s.name or "?", #s.values, #c.labels))
  end
  local cites = cite_all(self, c.sources)
  self.blocks[#self.blocks + 1] = {kind = "chart", chart = c, cites = cites}
  return self
end

---------------------------------------------------------------- charts (gnuplot)

local function tmpname()
  local p = os.tmpname()
  return p
end

local function gnuplot_quote(s)
  return '"' .. tostring(s):gsub('[\\"]', "\\%0"):gsub("\n", " ") .. '"'
end

-- Draw a chart with gnuplot; returns the file's bytes. kind: "svg" or "png".
function M.draw(c, kind)
  kind = kind or "svg"
  local data, script, out = tmpname(), tmpname(), tmpname()
  local f = assert(io.open(data, "w"))
  for i, label in ipairs(c.labels) do
    local row = {gnuplot_quote(label)}
    for _, s in ipairs(c.series) do
      local v = s.values[i]
      row[#row + 1] = v == nil and "NaN" or ("%.10g"):format(c.percent and v * 100 or v)
    end
    f:write(table.concat(row, "\t"), "\n")
  end
  f:close()
  local lines = {
    kind == "svg" and 'set terminal svg size 720,400 dynamic font "sans,12" background rgb "white"'
      or 'set terminal pngcairo size 720,400 font "sans,10" background rgb "white"',
    "set output " .. gnuplot_quote(out),
    "set datafile separator '\\t'",
    "set title " .. gnuplot_quote(c.title or ""),
    "set ylabel " .. gnuplot_quote(c.ylabel or (c.percent and "%" or "")),
    "set key outside bottom center horizontal",
    "set border 3", "set tics nomirror", "set grid ytics lc rgb '#dddddd'",
    "set yrange [0:*]",
    "set linetype 1 lc rgb '#1f5f8b'", "set linetype 2 lc rgb '#e07b39'", "set linetype 3 lc rgb '#8c8c8c'",
    "set linetype 4 lc rgb '#59a14f'", "set linetype 5 lc rgb '#b07aa1'",
  }
  local plots = {}
  if c.type == "line" then
    for i, s in ipairs(c.series) do
      plots[#plots + 1] = ("%s using 0:%d:xtic(1) with linespoints lw 2 pt 7 title %s"):format(
        i == 1 and gnuplot_quote(data) or "''", i + 1, gnuplot_quote(s.name or ""))
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
      plots[#plots + 1] = ("%s using %d%s title %s"):format(i == 1 and gnuplot_quote(data) or "''", i + 1,
        i == 1 and ":xtic(1)" or "", gnuplot_quote(s.name or ""))
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
  f = assert(io.open(script, "w"))
  f:write(table.concat(lines, "\n"), "\n")
  f:close()
  local ok, how, code = os.execute("gnuplot " .. gnuplot_quote(script) .. " 2>" .. gnuplot_quote(script .. ".err"))
  local errf = io.open(script .. ".err")
  local errtext = errf and errf:read("a") or ""
  if errf then errf:close() end
  os.remove(data)
  os.remove(script)
  os.remove(script .. ".err")
  if not ok then
    os.remove(out)
    error(("chart '%s': gnuplot failed (%s %s): %s (is gnuplot installed? make deps)"):format(
      c.title or "", how, code, errtext), 2)
  end
  f = assert(io.open(out, "rb"))
  local bytes = f:read("a")
  f:close()
  os.remove(out)
  return bytes
end

---------------------------------------------------------------- rendering

local function esc(s)
  return (tostring(s):gsub("[&<>\"]", {["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;"}))
end

local function md_cell(s)
  return (tostring(s == nil and "" or s):gsub("|", "\\|"):gsub("\n", " "))
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

function Report:markdown()
  local out = {"# " .. self.title, ""}
  if self.subtitle then out[#out + 1] = "*" .. self.subtitle .. "*"; out[#out + 1] = "" end
  for _, b in ipairs(self.blocks) do
    if b.kind == "heading" then
      out[#out + 1] = ("#"):rep(b.level) .. " " .. b.text
    elseif b.kind == "paragraph" then
      out[#out + 1] = b.text
    elseif b.kind == "table" then
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
    elseif b.kind == "chart" then
      local svg = M.draw(b.chart, "svg")
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

function Report:html()
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
          cells[i] = ("<td%s>%s</td>"):format(b.align[i] == "r" and ' class="r"' or "",
            esc(row[i] == nil and "" or row[i]))
        end
        out[#out + 1] = "<tr>" .. table.concat(cells) .. "</tr>"
      end
      out[#out + 1] = "</tbody></table>"
    elseif b.kind == "chart" then
      local svg = M.draw(b.chart, "svg"):gsub("^<%?xml.-%?>%s*", ""):gsub("<!DOCTYPE.->%s*", "")
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
  local s = tostring(v)
  if s:find('[,"\n\r]') then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end

-- The tables as CSV: one block per table, separated by a blank line, each
-- preceded by its caption as a comment-free first row.
function Report:csv()
  local out = {}
  for _, b in ipairs(self.blocks) do
    if b.kind == "table" then
      if #out > 0 then out[#out + 1] = "" end
      local head = {}
      for i, c in ipairs(b.columns) do head[i] = csv_field(c) end
      out[#out + 1] = table.concat(head, ",")
      for _, row in ipairs(b.rows) do
        local cells = {}
        for i = 1, #b.columns do cells[i] = csv_field(row[i]) end
        out[#out + 1] = table.concat(cells, ",")
      end
    end
  end
  return table.concat(out, "\n") .. "\n"
end

-- The tables (and sources) as JSON, built by SQLite's json_object with bound values.
local function json_object(db, pairs_)
  local sql = "SELECT json_object(" .. ("?, "):rep(#pairs_):sub(1, -3) .. ") AS j"
  return db:sql(sql, table.unpack(pairs_, 1, #pairs_))[1].j
end

function Report:json()
  local tables = {}
  for _, b in ipairs(self.blocks) do
    if b.kind == "table" then
      local rows = {}
      for r, row in ipairs(b.rows) do
        local kv = {n = 0}
        for i, c in ipairs(b.columns) do kv[2 * i - 1], kv[2 * i] = c, row[i] end
        local args = {}
        for i = 1, 2 * #b.columns do args[i] = kv[i] end
        rows[r] = self.db:sql("SELECT json_object(" .. ("?, "):rep(2 * #b.columns):sub(1, -3) .. ") AS j",
          table.unpack(args, 1, 2 * #b.columns))[1].j
      end
      tables[#tables + 1] = self.db:sql("SELECT json_object('caption', ?, 'rows', json(?)) AS j", b.caption,
        "[" .. table.concat(rows, ",") .. "]")[1].j
    end
  end
  local sources = {}
  for _, s in ipairs(self:source_list()) do
    sources[#sources + 1] = json_object(self.db, {"mark", s.mark, "text", s.text, "location", s.location})
  end
  return self.db:sql("SELECT json_object('title', ?, 'tables', json(?), 'sources', json(?)) AS j", self.title,
    "[" .. table.concat(tables, ",") .. "]", "[" .. table.concat(sources, ",") .. "]")[1].j .. "\n"
end

function Report:render(kind)
  kind = kind or "html"
  local f = ({html = self.html, md = self.markdown, markdown = self.markdown, csv = self.csv, json = self.json})[kind]
  if not f then error(("render: unknown format '%s' (html, md, csv or json)"):format(tostring(kind)), 2) end
  return f(self)
end

-- Write each chart as name-N.svg/png into dir (for reports that want files).
function Report:save_charts(dir, kind)
  local written, n = {}, 0
  for _, b in ipairs(self.blocks) do
    if b.kind == "chart" then
      n = n + 1
      local path = ("%s/chart-%d.%s"):format(dir, n, kind or "svg")
      local f = assert(io.open(path, "wb"))
      f:write(M.draw(b.chart, kind))
      f:close()
      written[#written + 1] = path
    end
  end
  return written
end

M.Report = Report
return M
