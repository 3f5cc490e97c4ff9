export { WebhookObservability, type WebhookObservabilityConfig } from "../observability/webhook.js";
