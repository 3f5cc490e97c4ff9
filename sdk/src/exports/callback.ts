export { CallbackObservability, type CallbackObservabilityConfig } from "../observability/callback.js";
