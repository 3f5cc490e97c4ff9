export { createRedactor } from "../internal/event-redactor.js";
