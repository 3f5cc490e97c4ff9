export { PrometheusObservability, DEFAULT_LATENCY_BUCKETS, type PrometheusObservabilityConfig } from "../observability/prometheus.js";
