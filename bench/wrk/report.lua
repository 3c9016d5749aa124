--[[
  wrk script of the bench: at the end of a run, prints one line "BENCH_RESULT {json}" with the
  counts and latency percentiles (microseconds) that bench/load.ts reads.
]]
function done(summary, latency, requests)
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"non2xx":%d,"socketErrors":%d}\n',
    summary.requests,
    summary.duration,
    latency:percentile(50),
    latency:percentile(99),
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  ))
end
