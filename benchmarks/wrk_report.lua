-- wrk script: rotate the Host header over the hosts listed in $BENCH_HOSTS_FILE (one per line),
-- optionally stop each thread after $BENCH_MAX_REQUESTS responses, send $BENCH_COOKIE as the Cookie
-- header when it is set (a signed-in reader), $BENCH_ACCEPT_ENCODING as Accept-Encoding (a
-- browser's), "Connection: close" when $BENCH_CONNECTION_CLOSE is set (each request a new
-- connection, which any worker of the server may accept), and print the summary as JSON.
local hosts = {}
local counter = 0
local limit = tonumber(os.getenv("BENCH_MAX_REQUESTS_PER_THREAD") or "0")
local seen = 0
local cookie = os.getenv("BENCH_COOKIE")
local accept_encoding = os.getenv("BENCH_ACCEPT_ENCODING")
local close = os.getenv("BENCH_CONNECTION_CLOSE")
local threads_started = 0

function setup(thread)
  thread:set("tid", threads_started)
  threads_started = threads_started + 1
end

function init(args)
  local file = os.getenv("BENCH_HOSTS_FILE")
  for line in io.lines(file) do
    if #line > 0 then hosts[#hosts + 1] = line end
  end
  -- each thread starts at a different place in the list
  counter = ((tid or 0) * 7919) % #hosts
end

function request()
  counter = counter + 1
  local host = hosts[(counter % #hosts) + 1]
  local headers = { ["Host"] = host }
  if cookie and #cookie > 0 then headers["Cookie"] = cookie end
  if accept_encoding and #accept_encoding > 0 then headers["Accept-Encoding"] = accept_encoding end
  if close and #close > 0 then headers["Connection"] = "close" end
  return wrk.format("GET", wrk.path, headers)
end

if limit > 0 then
  function response(status, headers, body)
    seen = seen + 1
    if seen >= limit then wrk.thread:stop() end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end
