import { InvalidRequestError } from "../wire/error-base.js";

/**
 * OpenAI requires `model` on every request, and so does ModelMesh: a request without one is refused with
 * `param: "model"` rather than sent to some default pool the caller never named.
 */
export function requireModel(body: { model?: unknown }): asserts body is { model: string } {
  if (typeof body.model !== "string" || body.model.trim() === "") {
    throw new InvalidRequestError("model is required: name a pool (\"chat-fast\"), a capability (\"chat-completion\") or a model id (\"gpt-4o\")", "model");
  }
}
