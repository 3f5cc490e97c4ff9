export { ConsoleObservability, type ConsoleObservabilityConfig } from "../observability/console.js";
