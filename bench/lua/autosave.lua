-- Reflection autosave: one wrk thread per learner (run with -t N -c N), each posting its own
-- draft with its session cookie and CSRF token, carrying the draft_version the server last
-- answered, as autosave.js does. A 409 (stale version) is counted by wrk as non-2xx.
-- Args: a file with one line per learner: path <TAB> cookie <TAB> csrf token.
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

local path, cookie, csrf
local version = 0
local words = "Jeg mærkede, at jeg selv blev ivrig efter at overtale, og stoppede op. "

function init(args)
  local n = 0
  for line in io.lines(args[1]) do
    n = n + 1
    if n == index then
      path, cookie, csrf, version = line:match("([^\t]+)\t([^\t]+)\t([^\t]+)\t(%d+)")
      version = tonumber(version)
    end
  end
  wrk.headers["Cookie"] = cookie
  wrk.headers["Accept"] = "application/json"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

local function encode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function request()
  local body = "action=autosave&csrf_token=" .. encode(csrf) .. "&draft_version=" .. version ..
    "&text=" .. encode(words:rep(40))
  return wrk.format("POST", path, nil, body)
end

function response(status, headers, body)
  local found = body:match('"draft_version":%s*(%d+)')
  if found then version = tonumber(found) end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
