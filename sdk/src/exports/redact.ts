export { REDACTED } from "../wire/redact.js";
