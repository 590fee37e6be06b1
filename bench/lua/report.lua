-- Appended to every script: one JSON line with req/s, p50, p99 (ms) and errors for the harness.
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout + summary.errors.status
  io.write(string.format('BENCH_JSON {"requests": %d, "seconds": %.3f, "p50": %.3f, "p99": %.3f, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
