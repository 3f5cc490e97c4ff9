export { BaseObservability, type BaseObservabilityConfig, type LogLevel } from "../observability/sink.js";
