-- One page for wrk (bench/pages.py): its method, cookie, CSRF header and body come from the
-- environment; the summary is printed as one JSON line.
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local cookie = os.getenv("BENCH_COOKIE") or ""
if cookie ~= "" then wrk.headers["Cookie"] = cookie end
local body = os.getenv("BENCH_BODY") or ""
if body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
local csrf = os.getenv("BENCH_CSRF") or ""
if csrf ~= "" then wrk.headers["X-CSRFToken"] = csrf end
if (os.getenv("BENCH_HTMX") or "") ~= "" then wrk.headers["HX-Request"] = "true" end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, ' ..
    '"p50": %d, "p95": %d, "p99": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
