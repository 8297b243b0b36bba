-- Add to cart as a new visitor each time: POST /winkelmand/toevoegen with a (session cookie, CSRF token) pair
-- harvested beforehand (one per line: cookie<TAB>token<TAB>product id), rotated. No cart cookie is sent, so
-- every request makes a new cart, as a first visit does.
local pairs_file = os.getenv("BENCH_CART_PAIRS")
local visitors = {}
for line in io.lines(pairs_file) do
  local cookie, token, product = line:match("([^\t]+)\t([^\t]+)\t([^\t]+)")
  if cookie then visitors[#visitors + 1] = {cookie, token, product} end
end

local counter = 0
local thread_id = 0
local next_id = 0

setup = function(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
end

init = function(args)
  counter = thread_id * 7919
end

request = function()
  counter = counter + 1
  local v = visitors[(counter % #visitors) + 1]
  local body = "csrf_token=" .. v[2] .. "&product_id=" .. v[3] .. "&quantity=1"
  return wrk.format("POST", "/winkelmand/toevoegen", {
    ["Cookie"] = v[1],
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end
