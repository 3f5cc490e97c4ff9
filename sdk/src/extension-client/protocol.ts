// The page side of the extension's message contract: what a web page and the content-script bridge exchange over
// `window.postMessage`. It lives in the SDK because `connectExtension()` (the `modelmesh/extension` subpath) speaks
// it; the extension re-exports it from extension/src/shared/protocol.ts. Only the same window's messages count.
import type { SerializedError } from "../wire/error-base.js";

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

/**
 * Binary data on the channel: extension ports carry JSON only, so audio (a transcription's `file`, speech's answer)
 * crosses as base64 with its media type and file name.
 */
export interface EncodedBlob {
  $blob: string;
  type: string;
  name?: string;
}

/**
 * The `code` of each error the extension itself raises (revived as `ModelMeshError` with that code; provider, budget
 * and routing errors keep their own classes). `retryable` says whether asking again can succeed.
 */
export const EXTENSION_ERROR_CODES = {
  /** No extension announced itself within the timeout (not installed, or not allowed on this site). */
  notFound: "extension_not_found",
  /** The person chose "deny" for this site, now or before. */
  consentDenied: "consent_denied",
  /** The consent window was closed without a decision. */
  consentDismissed: "consent_dismissed",
  /** The site may not use the pool it asked for (the person limited its pools). */
  poolNotAllowed: "pool_not_allowed",
  /** The extension stopped mid-request (service worker stopped, extension reloaded or removed). */
  disconnected: "extension_disconnected",
  /** A message the extension does not accept (unknown method, malformed, too large). */
  badMessage: "bad_message",
} as const;
