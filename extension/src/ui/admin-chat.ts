// The popup's quick chat over a `PORT_ADMIN_CHAT` port: one `PortRequest` goes in (a streaming
// `chat.completions.create`, the same request a page sends, which the worker serves on the same path under the
// "extension" budget scope), `PortReply` messages come out (chunks of an OpenAI chat stream, then `end`, or one `error`). Disconnecting the port is how the worker learns the
// person stopped, so every way out of a chat disconnects it.
import { ModelMeshError, isSerializedError } from "modelmesh";
import type { PortReply, PortRequest } from "../shared/protocol.js";

/** One chat turn, OpenAI-shaped. */
export interface ChatTurn { role: "system" | "user" | "assistant"; content: string }

/** What the popup asks: the conversation so far, and the pool, capability or model to ask (default: any chat model). */
export interface AdminChatRequest { messages: ChatTurn[]; model?: string }

/** The capability every chat pool serves: the mesh picks the best available chat model for it. */
export const DEFAULT_CHAT_TARGET = "chat-completion";

/**
 * The first and only message the popup posts on the port.
 * @example
 * chatPortRequest({ messages: [{ role: "user", content: "Hi" }] })
 * // { method: "chat.completions.create", params: { model: "chat-completion", messages: [...], stream: true } }
 */
export function chatPortRequest(request: AdminChatRequest): PortRequest {
  return { method: "chat.completions.create", params: { model: request.model ?? DEFAULT_CHAT_TARGET, messages: request.messages, stream: true } };
}

/**
 * The part of a `runtime.Port` the chat uses (the browser's port, or a fake one in tests).
 * @example
 * const connect: ConnectChatPort = () => browser.runtime.connect({ name: PORT_ADMIN_CHAT });
 */
export interface ChatPort {
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(listener: (message: unknown) => void): void };
  onDisconnect: { addListener(listener: () => void): void };
}
/**
 * Opens a fresh chat port (one per question).
 * @example
 * const connect: ConnectChatPort = () => browser.runtime.connect({ name: PORT_ADMIN_CHAT });
 */
export type ConnectChatPort = () => ChatPort;

/** What the chat learned as it went: the text so far and the model that answered. */
export interface ChatProgress { text: string; model?: string }

const textOfChunk = (chunk: unknown): { text: string; model?: string } => {
  const record = chunk as { model?: unknown; choices?: Array<{ delta?: { content?: unknown } }> } | null;
  const content = record?.choices?.[0]?.delta?.content;
  return { text: typeof content === "string" ? content : "", model: typeof record?.model === "string" ? record.model : undefined };
};

const textOfResult = (result: unknown): { text: string; model?: string } => {
  const record = result as { model?: unknown; choices?: Array<{ message?: { content?: unknown } }> } | null;
  const content = record?.choices?.[0]?.message?.content;
  return { text: typeof content === "string" ? content : "", model: typeof record?.model === "string" ? record.model : undefined };
};

/**
 * Streams one chat answer; `onProgress` is called after every piece of text. Resolves with the whole answer,
 * rejects with a ModelMesh error (revived from the worker's, or a clear one when the port closes early).
 * Aborting the signal disconnects the port and rejects with an `aborted` error.
 * @example
 * const answer = await runAdminChat(() => browser.runtime.connect({ name: PORT_ADMIN_CHAT }), { messages }, {
 *   onProgress: ({ text }) => setAnswer(text),
 * });
 */
export function runAdminChat(
  connect: ConnectChatPort,
  request: AdminChatRequest,
  options: { onProgress?: (progress: ChatProgress) => void; signal?: AbortSignal } = {},
): Promise<ChatProgress> {
  return new Promise<ChatProgress>((resolve, reject) => {
    const progress: ChatProgress = { text: "" };
    let settled = false;
    let port: ChatPort | undefined;
    const finish = (error?: ModelMeshError) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve(progress);
      try {
        port?.disconnect();
      } catch {
        // Already closed by the other side.
      }
    };
    const onAbort = () => finish(new ModelMeshError("The chat was stopped", { code: "aborted" }));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort);
    try {
      port = connect();
    } catch (error) {
      return finish(new ModelMeshError(`Could not reach the extension's service worker: ${error instanceof Error ? error.message : String(error)}`, { code: "extension_unreachable", retryable: true }));
    }
    port.onMessage.addListener((message) => {
      if (settled) return;
      const reply = message as PortReply;
      if (reply.kind === "chunk" || reply.kind === "result") {
        const piece = reply.kind === "chunk" ? textOfChunk(reply.chunk) : textOfResult(reply.result);
        progress.text += piece.text;
        progress.model ??= piece.model;
        options.onProgress?.({ ...progress });
        if (reply.kind === "result") finish();
      } else if (reply.kind === "end") {
        finish();
      } else if (reply.kind === "error" && isSerializedError(reply.error)) {
        finish(ModelMeshError.fromJSON(reply.error));
      } else {
        finish(new ModelMeshError("The extension's service worker sent a message the chat does not understand", { code: "extension_bad_reply" }));
      }
    });
    port.onDisconnect.addListener(() => {
      finish(new ModelMeshError("The extension's service worker closed the chat before the answer ended", { code: "extension_disconnected", retryable: true }));
    });
    port.postMessage(chatPortRequest(request));
  });
}
