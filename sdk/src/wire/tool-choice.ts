import type { ChatCompletionToolChoice } from "./types.js";

/**
 * The function a request's `tool_choice` names (`{ type: "function", function: { name } }`; the `type` is not
 * insisted on), or undefined for "auto", "required", "none" and any other kind (`allowed_tools`, `custom`). The
 * providers that translate OpenAI's request to their service's read it alike.
 * @example
 * chosenFunctionName({ type: "function", function: { name: "weather" } }); // "weather"
 */
export function chosenFunctionName(choice: ChatCompletionToolChoice | undefined): string | undefined {
  if (typeof choice !== "object" || choice === null) return undefined;
  const named = (choice as { function?: unknown }).function;
  const name = typeof named === "object" && named !== null ? (named as { name?: unknown }).name : undefined;
  return typeof name === "string" ? name : undefined;
}
