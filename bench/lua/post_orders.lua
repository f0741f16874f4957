-- POST /api/orders/: each request orders 1 to 3 distinct products, 1 to 4 units each, for a
-- random customer. Arguments: CUSTOMER_MIN CUSTOMER_MAX PRODUCT_IDS (comma-separated).
-- The driver chooses few products with little stock, so clients compete for the same rows.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local customer_min, customer_max
local products = {}

function init(args)
  customer_min = tonumber(args[1])
  customer_max = tonumber(args[2])
  for id in string.gmatch(args[3], "%d+") do
    table.insert(products, tonumber(id))
  end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
  headers["Content-Type"] = "application/json"
end

function request()
  local count = math.random(1, 3)
  local chosen, items = {}, {}
  while #items < count do
    local product = products[math.random(1, #products)]
    if not chosen[product] then
      chosen[product] = true
      table.insert(items, string.format('{"product": %d, "quantity": %d}', product, math.random(1, 4)))
    end
  end
  local body = string.format('{"customer": %d, "items": [%s], "notes": "bench"}',
    math.random(customer_min, customer_max), table.concat(items, ", "))
  return wrk.format("POST", "/api/orders/", headers, body)
end
