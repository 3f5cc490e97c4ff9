// The extension pages' side of the admin channel: one typed call per handler of `AdminHandlers`. Replies cross
// `runtime.sendMessage` as structured clones, so a failure arrives as a serialized error and is revived here with
// `ModelMeshError.fromJSON` (instanceof does not survive the channel).
import { ModelMeshError, isSerializedError } from "modelmesh";
import type { AdminHandlers, AdminMessage, AdminType } from "../shared/protocol.js";

/** The parameters of one admin message type. */
export type AdminParams<T extends AdminType> = Parameters<AdminHandlers[T]>[0];
/** The value one admin message type answers with. */
export type AdminValue<T extends AdminType> = ReturnType<AdminHandlers[T]>;

/**
 * Sends one admin message and resolves with the reply's raw value (an `AdminReply`), as `runtime.sendMessage` does.
 * @example
 * const channel: AdminChannel = (message) => browser.runtime.sendMessage(message);
 */
export type AdminChannel = (message: AdminMessage) => Promise<unknown>;

/**
 * A typed admin call: resolves with the handler's value, rejects with the revived ModelMesh error.
 * @example
 * const keys = await sendAdmin("keys.list", {});
 */
export type SendAdmin = <T extends AdminType>(type: T, params: AdminParams<T>) => Promise<AdminValue<T>>;

/**
 * Builds `sendAdmin` over a channel (the browser's in the pages, a fake one in tests).
 * @example
 * const sendAdmin = createSendAdmin((message) => browser.runtime.sendMessage(message));
 * const { errors } = await sendAdmin("config.set", { config });
 */
export function createSendAdmin(channel: AdminChannel): SendAdmin {
  return async <T extends AdminType>(type: T, params: AdminParams<T>): Promise<AdminValue<T>> => {
    const message = { ...params, type } as AdminMessage<T>;
    let reply: unknown;
    try {
      reply = await channel(message);
    } catch (error) {
      // "Could not establish connection" and the like: the worker is not there (yet) or died mid-call.
      throw new ModelMeshError(`The extension's service worker did not answer "${type}": ${error instanceof Error ? error.message : String(error)}`, {
        code: "extension_unreachable",
        retryable: true,
        cause: error,
      });
    }
    if (typeof reply === "object" && reply !== null) {
      const record = reply as { ok?: unknown; value?: unknown; error?: unknown };
      if (record.ok === true && "value" in record) return record.value as AdminValue<T>;
      if (record.ok === false && isSerializedError(record.error)) throw ModelMeshError.fromJSON(record.error);
    }
    throw new ModelMeshError(`The extension's service worker gave no valid answer to "${type}"`, { code: "extension_bad_reply" });
  };
}

/**
 * A message fit to show a person for any rejection of `sendAdmin` (ModelMesh errors already say what and where).
 * @example
 * catch (error) { setProblem(describeError(error)) }
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
