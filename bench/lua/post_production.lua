-- POST /api/production/: each request records 1 to 3 units of one of the bench's assemblies,
-- whose bills of materials take components that the order clients buy at the same time.
-- Arguments: EMPLOYEE_ID PRODUCT_IDS (comma-separated).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local employee
local products = {}

function init(args)
  employee = tonumber(args[1])
  for id in string.gmatch(args[2], "%d+") do
    table.insert(products, tonumber(id))
  end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
  headers["Content-Type"] = "application/json"
end

function request()
  local body = string.format('{"product": %d, "employee": %d, "quantity": %d}',
    products[math.random(1, #products)], employee, math.random(1, 3))
  return wrk.format("POST", "/api/production/", headers, body)
end
