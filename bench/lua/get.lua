-- GET the URL given to wrk, signed in with BENCH_TOKEN when set.
-- With the argument "unique", every request adds a query parameter never seen before
-- (`_bench=<thread>-<n>`), so a response cache keyed on the URL never hits: a cold-cache run.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local unique = false
local counter = 0
local tag = tostring(math.random(1, 1e9))

function init(args)
  unique = args[1] == "unique"
  tag = tostring(math.random(1, 1e9)) .. "-" .. tostring(os.time())
end

function request()
  local path = wrk.path
  if unique then
    counter = counter + 1
    local sep = path:find("?", 1, true) and "&" or "?"
    path = path .. sep .. "_bench=" .. tag .. "-" .. counter
  end
  return wrk.format("GET", path, headers)
end
