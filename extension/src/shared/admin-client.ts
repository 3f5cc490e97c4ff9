import type { AdminHandlers, AdminReply, AdminType, SerializedError } from "./protocol.ts";

/** Sends one message to the service worker and resolves to its reply (`chrome.runtime.sendMessage`). */
export type SendMessage = (message: unknown) => Promise<unknown>;

/** An admin call's failure, with the worker's serialized error's name, code and fields. */
function revive(error: SerializedError): Error {
  return Object.assign(new Error(error.message), error);
}

/**
 * Calls one admin handler from an extension page (options, popup, consent window) and returns its value; a failure
 * rejects with an Error carrying the serialized ModelMesh error's name and code.
 * @example
 * const keys = await callAdmin(chrome.runtime.sendMessage, "keys.list", {});
 */
export async function callAdmin<T extends AdminType>(send: SendMessage, type: T, params: Parameters<AdminHandlers[T]>[0]): Promise<ReturnType<AdminHandlers[T]>> {
  const reply = (await send({ type, ...params })) as AdminReply<T> | undefined;
  if (!reply) throw new Error(`the ModelMesh service worker did not answer "${type}"`);
  if (!reply.ok) throw revive(reply.error);
  return reply.value;
}
