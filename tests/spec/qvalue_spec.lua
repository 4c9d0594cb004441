-- Qualified values: a property test of the interval arithmetic (random
-- bounds: the result holds every true value the inputs allow, and is no
-- wider than they allow), and the wording analysts read.
local mutuals = require "mutuals"

local Q = mutuals.qualified
local KINDS = {"exact", "at_least", "more_than", "up_to", "less_than"}

-- A random figure and a way to draw true values it allows.
local function random_figure()
  local k = KINDS[math.random(#KINDS)]
  local v = math.random(-20, 20)
  local function draw()
    local r = math.random() * 30
    if k == "exact" then return v end
    if k == "at_least" then return math.random(3) == 1 and v or v + r end
    if k == "more_than" then return v + 1e-6 + r end
    if k == "up_to" then return math.random(3) == 1 and v or v - r end
    return v - 1e-6 - r
  end
  -- Its closure [lo, hi], written out here independently of the C code.
  local lo = (k == "up_to" or k == "less_than") and -math.huge or v
  local hi = (k == "at_least" or k == "more_than") and math.huge or v
  return Q(v, k), draw, lo, hi, k, v
end

-- x * y with 0 times an unbounded end as 0.
local function times(x, y)
  if x == 0 or y == 0 then return 0 end
  return x * y
end

local OPS = {
  add = {f = function(a, b) return a + b end, corners = function(x, y) return x + y end},
  sub = {f = function(a, b) return a - b end, corners = function(x, y) return x - y end},
  mul = {f = function(a, b) return a * b end, corners = times},
}

describe("qualified arithmetic (property test)", function()
  setup(function() math.randomseed(20121125) end)

  for name, op in pairs(OPS) do
    it(name .. ": the result holds every true value, and is as tight as the inputs allow", function()
      for _ = 1, 300 do
        local a, da, alo, ahi = random_figure()
        local b, db, blo, bhi = random_figure()
        local r = op.f(a, b)
        for _ = 1, 20 do
          local z = op.f(da(), db())
          assert.is_true(r:contains(z), ("%s %s %s = %s does not hold %s"):format(a, name, b, r, z))
        end
        -- Tight: the result's ends are the extremes of the ends of the inputs.
        local lo, hi = math.huge, -math.huge
        for _, x in ipairs{alo, ahi} do
          for _, y in ipairs{blo, bhi} do
            if name ~= "sub" or not (x == y and math.abs(x) == math.huge) then
              local c = op.corners(x, name == "sub" and y or y)
              lo, hi = math.min(lo, c), math.max(hi, c)
            end
          end
        end
        assert.are.equal(lo == -math.huge and "none" or lo, r.lo == nil and "none" or r.lo,
          ("%s %s %s = %s: lower end"):format(a, name, b, r))
        assert.are.equal(hi == math.huge and "none" or hi, r.hi == nil and "none" or r.hi,
          ("%s %s %s = %s: upper end"):format(a, name, b, r))
      end
    end)
  end

  it("div: holds every true quotient; a divisor that may be 0 leaves nothing known", function()
    for _ = 1, 300 do
      local a, da = random_figure()
      local b, db, blo, bhi = random_figure()
      local r = a / b
      if blo <= 0 and bhi >= 0 and not (blo == 0 and b.qualifier == "more_than") and
         not (bhi == 0 and b.qualifier == "less_than") then
        assert.is_false(r.known, ("%s / %s = %s"):format(a, b, r))
      else
        for _ = 1, 20 do
          local y = db()
          if y ~= 0 then
            local z = da() / y
            assert.is_true(r:contains(z), ("%s / %s = %s does not hold %s"):format(a, b, r, z))
          end
        end
      end
    end
  end)

  it("sum, max and min over lists hold every possible true value", function()
    for _ = 1, 200 do
      local list, draws = {}, {}
      for i = 1, math.random(1, 5) do
        local q, d = random_figure()
        list[i], draws[i] = q, d
      end
      local s, mx, mn = mutuals.sum(list), mutuals.max(list), mutuals.min(list)
      for _ = 1, 20 do
        local total, big, small = 0, -math.huge, math.huge
        for _, d in ipairs(draws) do
          local x = d()
          total, big, small = total + x, math.max(big, x), math.min(small, x)
        end
        assert.is_true(s:contains(total), ("sum %s does not hold %s"):format(s, total))
        assert.is_true(mx:contains(big), ("max %s does not hold %s"):format(mx, big))
        assert.is_true(mn:contains(small), ("min %s does not hold %s"):format(mn, small))
      end
    end
  end)
end)

describe("qualified values", function()
  it("keep bounds through arithmetic and say so", function()
    local at_least = Q(58, "at_least", {unit = "organisations", as_of = "2012-06", source = 3})
    assert.are.equal("at least 58 organisations (June 2012; source 3)", tostring(at_least))
    assert.are.equal("at least 78 organisations", (at_least + 20):text())
    assert.are.equal("at_least", (at_least * 2).qualifier)
    assert.are.equal("up to -58 organisations", (-at_least):text())
    assert.are.equal("up to 12", (Q(10) + Q(2, "up_to")):text())
    assert.are.equal("between 8 and 12", mutuals.max{Q(8), Q(12, "up_to")}:text())
    assert.are.equal("between", mutuals.max{Q(8), Q(12, "up_to")}.qualifier)
    assert.is_nil(mutuals.max{Q(8), Q(12, "up_to")}.value)
  end)

  it("an unknown term makes a sum unknown, or a lower bound with n of m known when nothing is negative", function()
    assert.is_false(mutuals.sum{1, false}.known)
    local s = mutuals.sum({500, false, 3000}, {nonneg = true})
    assert.are.equal("at least 3,500", s:text())
    assert.are.equal(2, s.n_known)
    assert.are.equal(3, s.n_terms)
    assert.matches("2 of 3 known", tostring(s))
  end)

  it("a max over bounds says what is known", function()
    local m = mutuals.max{Q(58, "at_least", {source = 3}), Q(58, nil, {source = 2})}
    assert.are.equal("at least 58", m:text())
    assert.are.same({3, 2}, m.sources)
  end)

  it("rounds a bound outward, never into a value it excludes", function()
    assert.are.equal("at least 6.4-fold", Q(58 / 9, "at_least", {unit = "ratio"}):text())
    assert.are.equal("up to 6.5-fold", Q(58 / 9, "up_to", {unit = "ratio"}):text())
    assert.are.equal("at least 110.9% a year", Q(1.10999, "at_least", {unit = "per_year"}):text())
    assert.are.equal("29%", Q(0.29, nil, {unit = "share"}):text())
    assert.are.equal("up to £120,000", Q(120000, "up_to", {unit = "GBP"}):text())
    assert.are.equal("around 45,000 people", Q(45000, "around", {unit = "people"}):text())
  end)

  it("refuses a comparison the figures cannot settle, and answers one they can", function()
    local q = Q(58, "at_least")
    assert.is_true(q > 50)
    assert.is_false(q < 58)
    assert.has_error(function() return q < 60 end,
      "cannot tell whether at least 58 is less than 60: the figures allow either answer")
    assert.has_error(function() return Q(40, "approximately") < Q(41) end)
  end)

  it("refuses to add different units, and checks its arguments", function()
    assert.has_error(function() return Q(1, nil, {unit = "GBP"}) + Q(1, nil, {unit = "people"}) end,
      "+: units differ ('GBP' and 'people'): convert one first")
    assert.has_error(function() Q(1, "roughly") end)
    assert.has_error(function() Q(1, nil, {units = "GBP"}) end)
    assert.has_error(function() Q(1, nil, {as_of = "June"}) end)
    assert.has_error(function() Q(math.huge) end)
    assert.has_error(function() return Q(1) + "x" end)
    assert.has_error(function() return Q(1).nope end)
  end)

  it("spans the days a date covers", function()
    local first, last = mutuals.date_span("2012")
    assert.are.equal(365, last - first)   -- a leap year: 366 days
    first, last = mutuals.date_span("2012-02")
    assert.are.equal(28, last - first)
    assert.are.equal(mutuals.date_span("1970-01-01"), 0)
    assert.has_error(function() mutuals.date_span("2012-13") end)
  end)
end)
