export { SessionStickinessPolicy, type SessionStickinessConfig } from "../rotation/session-stickiness.js";
