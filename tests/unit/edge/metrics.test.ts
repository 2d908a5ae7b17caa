// The edge's Prometheus registry: histograms recorded here and histograms set from another process's
// pre-aggregated buckets render alike, and series read from the runtimes can be replaced wholesale.
import { describe, expect, it } from "vitest"
import { createMetrics, METRICS, RUNTIME_METRICS_PREFIX } from "../../../src/edge/metrics.ts"
import { Histogram } from "../../../src/runtime/histogram.ts"

const lines = (text: string, prefix: string) => text.split("\n").filter((line) => line.startsWith(prefix))

describe("metrics registry", () => {
  it("renders a pre-aggregated histogram as cumulative buckets, +Inf, sum and count", () => {
    const metrics = createMetrics()
    const histogram = new Histogram([1, 8, 64])
    for (const size of [1, 3, 3, 100]) histogram.observe(size)
    metrics.setHistogram("clawbot_runtime_batch_size", histogram.data(), { member: "m1" })
    expect(lines(metrics.render(), "clawbot_runtime_batch_size")).toEqual([
      'clawbot_runtime_batch_size_bucket{member="m1",le="1"} 1',
      'clawbot_runtime_batch_size_bucket{member="m1",le="8"} 3',
      'clawbot_runtime_batch_size_bucket{member="m1",le="64"} 3',
      'clawbot_runtime_batch_size_bucket{member="m1",le="+Inf"} 4',
      'clawbot_runtime_batch_size_sum{member="m1"} 107',
      'clawbot_runtime_batch_size_count{member="m1"} 4',
    ])
  })

  it("records observations into the declared buckets", () => {
    const metrics = createMetrics()
    metrics.observe("clawbot_http_request_seconds", 0.003, { route: "GET /health" })
    metrics.observe("clawbot_http_request_seconds", 0.2, { route: "GET /health" })
    const text = metrics.render()
    expect(lines(text, 'clawbot_http_request_seconds_bucket{route="GET /health"')).toHaveLength(
      METRICS.clawbot_http_request_seconds.buckets.length + 1,
    )
    expect(lines(text, 'clawbot_http_request_seconds_bucket{route="GET /health",le="0.005"}')).toEqual([
      'clawbot_http_request_seconds_bucket{route="GET /health",le="0.005"} 1',
    ])
    expect(lines(text, 'clawbot_http_request_seconds_count{route="GET /health"}')).toEqual([
      'clawbot_http_request_seconds_count{route="GET /health"} 2',
    ])
  })

  it("clears the runtime series only, keeping every metric's HELP and TYPE", () => {
    const metrics = createMetrics()
    metrics.set("clawbot_runtime_batches_total", 7, { member: "gone" })
    metrics.setHistogram("clawbot_runtime_batch_seconds", new Histogram([1]).data(), { member: "gone" })
    metrics.inc("clawbot_http_requests_total", { route: "GET /health", status: "200" })
    metrics.clear(RUNTIME_METRICS_PREFIX)
    const text = metrics.render()
    expect(text).not.toContain('member="gone"')
    expect(text).toContain('clawbot_http_requests_total{route="GET /health",status="200"} 1')
    for (const name of Object.keys(METRICS)) expect(text).toContain(`# TYPE ${name} `)
  })

  it("refuses a histogram set under a name that is not a declared histogram", () => {
    const metrics = createMetrics()
    expect(() => metrics.setHistogram("clawbot_runtime_batches_total", new Histogram([1]).data())).toThrow(/is a counter/)
    expect(() => metrics.setHistogram("clawbot_nope", new Histogram([1]).data())).toThrow(/not declared/)
  })
})
