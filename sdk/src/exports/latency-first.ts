export { LatencyFirstPolicy, type LatencyFirstConfig } from "../rotation/latency-first.js";
