-- mutuals.show(x [, opts]) -> text: a collection, a list of records or a
-- list of rows (db:sql, a crosstab) as an aligned table, the way
-- `sqlite3 -box` or a data frame prints: its row count, columns fitted to
-- the width, long cells cut with "…", and an unknown value shown as NULL,
-- never as a blank that reads like an empty string or a zero.
--   opts: width (default $COLUMNS or 100), limit (rows shown, default 20;
--   false for all), columns (a list of names, to choose and order them)
local NULL = "NULL"

local function ulen(s)
  return utf8.len(s) or #s
end

-- The first n characters of s (UTF-8 aware).
local function uprefix(s, n)
  if ulen(s) <= n then return s end
  local cut = utf8.offset(s, n + 1)
  return cut and s:sub(1, cut - 1) or s:sub(1, n)
end

local function cell(v)
  if v == nil then return NULL end
  local t = type(v)
  if t == "number" then
    if math.type(v) == "integer" then return tostring(v) end
    if v ~= v then return "nan" end
    return (("%.6g"):format(v))
  end
  local s = tostring(v)
  return (s:gsub("[\r\n\t]", " "))
end

local function is_collection(x)
  local mt = getmetatable(x)
  return type(x) == "userdata" and type(mt) == "table" and mt.__name == "mutuals.collection"
end

local function is_record(x)
  local mt = getmetatable(x)
  return type(x) == "userdata" and type(mt) == "table" and mt.__name == "mutuals.record"
end

local function sql_columns(x)
  local mt = type(x) == "table" and getmetatable(x)
  return type(mt) == "table" and mt.__name == "mutuals.rows" and mt.columns or nil
end

-- Rows as lists of values under `names`, from whatever was given.
local function rows_of(x, limit, columns)
  local names, rows, total = {}, {}, nil
  if is_collection(x) then
    total = x:count()
    names = columns or x:fields()
    local src = limit and x:limit(limit) or x
    for rec in src:rows() do
      local r = {}
      for i, n in ipairs(names) do r[i] = rec[n] end
      rows[#rows + 1] = r
    end
    return names, rows, total
  end
  if type(x) ~= "table" then error("mutuals.show: give a collection or a list of records or rows, got a " .. type(x), 3) end
  total = #x
  local seen = {}
  if columns or sql_columns(x) then
    names = columns or sql_columns(x)
  elseif is_record(x[1]) then
    for k in pairs(x[1]) do names[#names + 1] = k end
  else
    -- plain rows: every key any shown row has, "id" and "name" first, then in the order first met, sorted
    local found = {}
    for i = 1, math.min(total, limit or total) do
      local keys = {}
      for k in pairs(x[i]) do
        if type(k) == "string" and not seen[k] then keys[#keys + 1] = k end
      end
      table.sort(keys)
      for _, k in ipairs(keys) do
        seen[k] = true
        found[#found + 1] = k
      end
    end
    for _, k in ipairs{"id", "name", "group", "option"} do
      if seen[k] then names[#names + 1] = k end
    end
    for _, k in ipairs(found) do
      if k ~= "id" and k ~= "name" and k ~= "group" and k ~= "option" then names[#names + 1] = k end
    end
  end
  for i = 1, math.min(total, limit or total) do
    local r, src = {}, x[i]
    for j, n in ipairs(names) do r[j] = src[n] end
    rows[#rows + 1] = r
  end
  return names, rows, total
end

return function(x, opts)
  -- show(db:sql(...)) passes db:sql's second result (rows changed) too: not options
  if sql_columns(x) and math.type(opts) == "integer" then opts = nil end
  opts = opts or {}
  if type(opts) ~= "table" then error("mutuals.show: options must be a table {width =, limit =, columns =}", 2) end
  for k in pairs(opts) do
    if k ~= "width" and k ~= "limit" and k ~= "columns" then
      error("mutuals.show: unknown option '" .. tostring(k) .. "' (width, limit, columns)", 2)
    end
  end
  local width = opts.width or tonumber(os.getenv("COLUMNS") or "") or 100
  local limit = opts.limit == nil and 20 or opts.limit or nil
  if limit ~= nil and (math.type(limit) ~= "integer" or limit < 0) then
    error("mutuals.show: limit must be a whole number of rows, or false for all", 2)
  end
  local names, rows, total = rows_of(x, limit, opts.columns)
  if #names == 0 then return ("(%d rows)"):format(total) end
  -- natural widths, then the widest cut down until the table fits
  local text, w = {}, {}
  for j, n in ipairs(names) do w[j] = ulen(n) end
  for i, r in ipairs(rows) do
    text[i] = {}
    for j = 1, #names do
      local s = cell(r[j])
      text[i][j] = s
      if ulen(s) > w[j] then w[j] = ulen(s) end
    end
  end
  local function total_width()
    local t = 0
    for j = 1, #names do t = t + w[j] + 3 end
    return t + 1
  end
  while total_width() > width do
    local widest = 1
    for j = 2, #names do if w[j] > w[widest] then widest = j end end
    if w[widest] <= 6 then break end
    w[widest] = w[widest] - 1
  end
  local function fit(s, j, right)
    if ulen(s) > w[j] then s = uprefix(s, w[j] - 1) .. "…" end
    local pad = (" "):rep(w[j] - ulen(s))
    return right and pad .. s or s .. pad
  end
  local numeric = {}
  for j = 1, #names do
    numeric[j] = true
    for _, r in ipairs(rows) do
      if r[j] ~= nil and type(r[j]) ~= "number" then numeric[j] = false break end
    end
  end
  local function rule(l, m, r)
    local parts = {}
    for j = 1, #names do parts[j] = ("─"):rep(w[j] + 2) end
    return l .. table.concat(parts, m) .. r
  end
  local out = {rule("┌", "┬", "┐")}
  local head = {}
  for j, n in ipairs(names) do head[j] = " " .. fit(n, j, false) .. " " end
  out[#out + 1] = "│" .. table.concat(head, "│") .. "│"
  out[#out + 1] = rule("├", "┼", "┤")
  for i = 1, #rows do
    local line = {}
    for j = 1, #names do line[j] = " " .. fit(text[i][j], j, numeric[j] and rows[i][j] ~= nil) .. " " end
    out[#out + 1] = "│" .. table.concat(line, "│") .. "│"
  end
  out[#out + 1] = rule("└", "┴", "┘")
  if #rows < total then
    out[#out + 1] = ("%d of %d rows (show(x, {limit = false}) for all)"):format(#rows, total)
  else
    out[#out + 1] = ("%d %s"):format(total, total == 1 and "row" or "rows")
  end
  return table.concat(out, "\n")
end
