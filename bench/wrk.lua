-- One endpoint under load, driven by wrk (Debian package `wrk`); configured through the environment:
--   BENCH_METHOD        GET or POST
--   BENCH_PATH          the path to request
--   BENCH_TOKEN         a bearer token, or empty for no Authorization header
--   BENCH_RUN           6 hex digits, different for every wrk run
--   BENCH_ASSIGNMENT_ID and BENCH_PERFORMED_AT   for POST: the progress log's assignment and instant
-- Every POST carries a fresh client UUID: run, thread and a per-thread counter make it unique.
-- done() prints one line `BENCH-RESULT {json}` that bench/load.py reads.

local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/"
local token = os.getenv("BENCH_TOKEN") or ""
local run = os.getenv("BENCH_RUN") or "000000"
local assignment = os.getenv("BENCH_ASSIGNMENT_ID") or ""
local performed_at = os.getenv("BENCH_PERFORMED_AT") or ""

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_number", #threads)
end

function init(args)
   statuses = {}
   sent = 0
   math.randomseed(tonumber(run, 16) * 64 + (thread_number or 0))
   wrk.method = method
   wrk.path = path
   if token ~= "" then
      wrk.headers["Authorization"] = "Bearer " .. token
   end
   if method == "POST" then
      wrk.headers["Content-Type"] = "application/json"
   end
end

local function fresh_uuid()
   sent = sent + 1
   return string.format(
      "%s%02x-%04x-4%03x-%04x-%012x",
      run, thread_number % 256, math.random(0, 0xffff), math.random(0, 0xfff),
      0x8000 + math.random(0, 0x3fff), sent
   )
end

function request()
   if method ~= "POST" then
      return wrk.format()
   end
   local body = string.format(
      '{"id":"%s","assignment_id":"%s","performed_at":"%s","sets_completed":3,"pain_score":2}',
      fresh_uuid(), assignment, performed_at
   )
   return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local totals = {}
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses")) do
         totals[status] = (totals[status] or 0) + count
      end
   end
   local codes = {}
   for status, count in pairs(totals) do
      table.insert(codes, string.format('"%d":%d', status, count))
   end
   local errors = summary.errors
   io.write(string.format(
      'BENCH-RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,'
         .. '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"statuses":{%s}}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
      errors.connect, errors.read, errors.write, errors.status, errors.timeout, table.concat(codes, ",")
   ))
end
