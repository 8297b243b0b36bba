-- A first visit of a new combination each time: the page's path with a query parameter no earlier request had,
-- so no cache (whatever its key) can answer it from a copy.
local n = 0
local thread_id = 0
local next_id = 0
setup = function(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
end
request = function()
  n = n + 1
  local path = wrk.path
  local sep = path:find("?", 1, true) and "&" or "?"
  return wrk.format(nil, path .. sep .. "bench=" .. thread_id .. "-" .. n)
end
