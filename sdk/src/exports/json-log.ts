export { JsonLogObservability, type JsonLogObservabilityConfig } from "../observability/json-log.js";
