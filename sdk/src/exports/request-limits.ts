export { DEFAULT_REQUEST_LIMITS, type RequestLimits } from "../core/request-limits.js";
