-- wrk script: count the responses that are not 2xx (wrk only counts those >= 400).
-- A redirect to the login page would mean the session cookie was refused: an error here.
bad = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("bad")
  end
  io.write(string.format("bench-not-2xx: %d\n", total))
end
