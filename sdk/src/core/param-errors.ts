/**
 * The caller's parameter mistakes worded and coded as OpenAI's API words and codes them (`missing_required_parameter`,
 * `invalid_type`, `empty_array`, `integer_below_min_value`), so code that branches on `error.code`, and the proxy's
 * clients, see what the service itself would have answered.
 */
import { InvalidRequestError } from "../wire/error-base.js";

/** How OpenAI names a value's type in "but got ... instead". */
function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a decimal";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/**
 * @example
 * throw missingParameter("messages"); // Missing required parameter: 'messages'.
 */
export function missingParameter(name: string): InvalidRequestError {
  return new InvalidRequestError(`Missing required parameter: '${name}'.`, name, { code: "missing_required_parameter" });
}

/**
 * @example
 * throw invalidType("stream", "a boolean", "yes"); // Invalid type for 'stream': expected a boolean, but got a string instead.
 */
export function invalidType(name: string, expected: string, value: unknown): InvalidRequestError {
  return new InvalidRequestError(`Invalid type for '${name}': expected ${expected}, but got ${typeOf(value)} instead.`, name, { code: "invalid_type" });
}

/**
 * @example
 * throw emptyArray("messages");
 */
export function emptyArray(name: string): InvalidRequestError {
  return new InvalidRequestError(`Invalid '${name}': empty array. Expected an array with minimum length 1, but got an empty array instead.`, name, { code: "empty_array" });
}

/**
 * @example
 * throw integerBelowMinimum("n", 1, 0); // Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.
 */
export function integerBelowMinimum(name: string, minimum: number, value: number): InvalidRequestError {
  return new InvalidRequestError(`Invalid '${name}': integer below minimum value. Expected a value >= ${minimum}, but got ${value} instead.`, name, { code: "integer_below_min_value" });
}
