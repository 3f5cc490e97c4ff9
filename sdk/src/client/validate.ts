import { InvalidRequestError } from "../core/errors.js";

const ROLES = new Set(["system", "developer", "user", "assistant", "tool", "function"]);

export function requireObject(body: unknown, what: string): asserts body is Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new InvalidRequestError(`${what} must be an object`);
}

/** Catches what every OpenAI-compatible service would reject, before a model is spent on it. */
export function validateChatRequest(body: unknown): void {
  requireObject(body, "the chat request");
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw new InvalidRequestError("messages must be a non-empty array", "messages");
  messages.forEach((message: unknown, index) => {
    if (typeof message !== "object" || message === null) throw new InvalidRequestError(`messages[${index}] must be an object`, `messages[${index}]`);
    const role = (message as { role?: unknown }).role;
    if (typeof role !== "string" || !ROLES.has(role)) throw new InvalidRequestError(`messages[${index}].role must be one of ${[...ROLES].join(", ")}`, `messages[${index}].role`);
  });
  if (body.model !== undefined && typeof body.model !== "string") throw new InvalidRequestError("model must be a string", "model");
  if (body.stream_options != null && body.stream !== true) throw new InvalidRequestError("stream_options is only allowed when stream is true", "stream_options");
}

export function validateModel(body: Record<string, unknown>): void {
  if (body.model !== undefined && typeof body.model !== "string") throw new InvalidRequestError("model must be a string", "model");
}
