import { describe, expect, it } from "vitest";
import { ProxyMetrics } from "../src/metrics.js";

// The proxy's /metrics text, rendered from what was recorded: exact Prometheus lines, so a wrong count, bucket,
// sum or label shows as a different line.

const BOUNDS = ["0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60"];

describe("ProxyMetrics", () => {
  it("renders headers and an in-flight gauge of zero before any request", () => {
    expect(new ProxyMetrics().render()).toBe(
      [
        "# HELP modelmesh_proxy_requests_total HTTP requests answered by the proxy, by route and status.",
        "# TYPE modelmesh_proxy_requests_total counter",
        "# HELP modelmesh_proxy_request_duration_seconds Seconds until the response headers were ready (a stream's first chunk), by route.",
        "# TYPE modelmesh_proxy_request_duration_seconds histogram",
        "# HELP modelmesh_proxy_requests_in_flight Requests being handled now.",
        "# TYPE modelmesh_proxy_requests_in_flight gauge",
        "modelmesh_proxy_requests_in_flight 0",
        "",
      ].join("\n"),
    );
  });

  it("counts requests by route and status, and times them into cumulative buckets with sum and count", () => {
    const metrics = new ProxyMetrics("test_proxy");
    for (let index = 0; index < 5; index++) metrics.started();
    metrics.finished("chat", 200, 0.001); // on a bound: counted in that bucket (le is "less than or equal")
    metrics.finished("chat", 200, 0.3);
    metrics.finished("chat", 429, 0.0011);
    metrics.finished("relay", 502, 61); // above the last bound: only in +Inf
    const lines = metrics.render().split("\n");
    expect(lines.filter((line) => line.startsWith("test_proxy_requests_total{"))).toEqual([
      'test_proxy_requests_total{route="chat",status="200"} 2',
      'test_proxy_requests_total{route="chat",status="429"} 1',
      'test_proxy_requests_total{route="relay",status="502"} 1',
    ]);
    const chatBuckets = [1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3];
    expect(lines.filter((line) => line.startsWith('test_proxy_request_duration_seconds_bucket{route="chat"'))).toEqual([
      ...BOUNDS.map((bound, index) => `test_proxy_request_duration_seconds_bucket{route="chat",le="${bound}"} ${chatBuckets[index]}`),
      'test_proxy_request_duration_seconds_bucket{route="chat",le="+Inf"} 3',
    ]);
    expect(lines).toContain(`test_proxy_request_duration_seconds_sum{route="chat"} ${0.001 + 0.3 + 0.0011}`);
    expect(lines).toContain('test_proxy_request_duration_seconds_count{route="chat"} 3');
    expect(lines.filter((line) => line.startsWith('test_proxy_request_duration_seconds_bucket{route="relay"'))).toEqual([
      ...BOUNDS.map((bound) => `test_proxy_request_duration_seconds_bucket{route="relay",le="${bound}"} 0`),
      'test_proxy_request_duration_seconds_bucket{route="relay",le="+Inf"} 1',
    ]);
    expect(lines).toContain('test_proxy_request_duration_seconds_sum{route="relay"} 61');
    expect(lines).toContain('test_proxy_request_duration_seconds_count{route="relay"} 1');
    // Five started, four finished.
    expect(lines).toContain("test_proxy_requests_in_flight 1");
    // The histogram comes after the counters, each under its own HELP/TYPE lines.
    expect(lines.indexOf("# TYPE test_proxy_request_duration_seconds histogram")).toBeGreaterThan(lines.indexOf('test_proxy_requests_total{route="relay",status="502"} 1'));
  });
});
