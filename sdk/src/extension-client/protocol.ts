// The page side of the extension's message contract: what a web page and the content-script bridge exchange over
// `window.postMessage`. It lives in the SDK because `connectExtension()` (the `modelmesh/extension` subpath) speaks
// it; the extension re-exports it from extension/src/shared/protocol.ts. Only the same window's messages count.
import type { SerializedError } from "../wire/errors.js";

export type { SerializedError };

/** Marks a message as ours on the shared `window.postMessage` channel, and its version. */
export const PAGE_SOURCE = "modelmesh-page" as const;
export const EXTENSION_SOURCE = "modelmesh-extension" as const;
export const PROTOCOL_VERSION = 1 as const;

/** The methods a page may call: the OpenAI call shape's resources. The bridge drops every other name. */
export const PAGE_METHODS = [
  "chat.completions.create",
  "embeddings.create",
  "audio.speech.create",
  "audio.transcriptions.create",
  "images.generate",
  "models.list",
] as const;
export type PageMethod = (typeof PAGE_METHODS)[number];

/** Largest page message the bridge forwards (bytes of its JSON); audio uploads are the biggest legitimate case. */
export const MAX_PAGE_MESSAGE_BYTES = 26 * 1024 * 1024;

/** page -> content script. `abort` cancels the request with the same `id`. */
export type PageRequest =
  | { source: typeof PAGE_SOURCE; version: 1; kind: "request"; id: string; method: PageMethod; params: unknown; budget?: SiteBudgetRequest }
  | { source: typeof PAGE_SOURCE; version: 1; kind: "abort"; id: string }
  | { source: typeof PAGE_SOURCE; version: 1; kind: "hello" };

/** content script -> page. `chunk` repeats for streams; every request ends with exactly one `result`, `end` or `error`. */
export type PageReply =
  | { source: typeof EXTENSION_SOURCE; version: 1; kind: "announce"; extensionVersion: string }
  | { source: typeof EXTENSION_SOURCE; version: 1; kind: "chunk"; id: string; chunk: unknown }
  | { source: typeof EXTENSION_SOURCE; version: 1; kind: "result"; id: string; result: unknown }
  | { source: typeof EXTENSION_SOURCE; version: 1; kind: "end"; id: string }
  | { source: typeof EXTENSION_SOURCE; version: 1; kind: "error"; id: string; error: SerializedError };

/** What a page asks for when it connects; shown in the consent window. The person decides what is granted. */
export interface SiteBudgetRequest {
  dailyLimit?: number;
  monthlyLimit?: number;
}
