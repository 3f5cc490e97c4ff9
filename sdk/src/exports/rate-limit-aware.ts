export { RateLimitAwarePolicy, type RateLimitAwareConfig } from "../rotation/rate-limit-aware.js";
