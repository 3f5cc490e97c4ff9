import { EXTENSION_ERROR_CODES, EXTENSION_SOURCE, MAX_PAGE_MESSAGE_BYTES, PAGE_METHODS, PAGE_SOURCE, PORT_PAGE_REQUEST, PROTOCOL_VERSION, type PageReply, type PortReply, type PortRequest } from "../shared/protocol.ts";

/** The port the bridge opens per request (the part of `chrome.runtime.Port` it uses). */
export interface BridgePort {
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(listener: (message: unknown) => void): void };
  onDisconnect: { addListener(listener: () => void): void };
}

/**
 * What the bridge runs in: the page's window (the content script's view of it), a way to reach the worker, and a
 * signal that aborts when the extension context goes away (extension reloaded, updated or removed).
 * @example
 * startBridge({ window, connect: (name) => chrome.runtime.connect({ name }), extensionVersion: "0.1.0", signal });
 */
export interface BridgeEnvironment {
  window: Pick<Window, "postMessage" | "addEventListener"> & { location: { origin: string } };
  connect: (name: string) => BridgePort;
  extensionVersion: string;
  signal: AbortSignal;
}

/** Request ids the page client makes: short and plain, so one can never be mistaken for anything else. */
const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;
const FINAL_KINDS = new Set(["result", "end", "error"]);

/**
 * The page bridge: forwards the documented requests of the same window to the service worker, one port each, and
 * relays what comes back. Everything else (other frames, other windows, other shapes, unknown methods, too large,
 * malformed ids) is dropped without a word, so a page learns nothing by probing.
 * @example
 * const controller = new AbortController();
 * startBridge({ window, connect, extensionVersion, signal: controller.signal });
 */
export function startBridge(environment: BridgeEnvironment): void {
  const { window: target, signal } = environment;
  const active = new Map<string, BridgePort>();
  const reply = (message: PageReply) => {
    if (!signal.aborted) target.postMessage(message, target.location.origin);
  };
  const announce = () => reply({ source: EXTENSION_SOURCE, version: PROTOCOL_VERSION, kind: "announce", extensionVersion: environment.extensionVersion });

  target.addEventListener(
    "message",
    (event) => {
      const message = acceptable(event, target);
      if (!message) return;
      if (message.kind === "hello") return announce();
      if (message.kind === "abort") {
        const port = active.get(message.id);
        active.delete(message.id);
        port?.disconnect();
        return;
      }
      if (active.has(message.id)) return;
      let port: BridgePort;
      try {
        port = environment.connect(PORT_PAGE_REQUEST);
      } catch {
        // The extension context is gone (extension reloaded): the page hears it like a disconnect.
        reply({ source: EXTENSION_SOURCE, version: PROTOCOL_VERSION, kind: "error", id: message.id, error: disconnected() });
        return;
      }
      active.set(message.id, port);
      port.onMessage.addListener((raw) => {
        if (active.get(message.id) !== port) return;
        const portReply = raw as PortReply;
        if (typeof portReply !== "object" || portReply === null || !["chunk", "result", "end", "error"].includes(portReply.kind)) return;
        reply({ ...portReply, source: EXTENSION_SOURCE, version: PROTOCOL_VERSION, id: message.id } as PageReply);
        if (FINAL_KINDS.has(portReply.kind)) {
          active.delete(message.id);
          port.disconnect();
        }
      });
      port.onDisconnect.addListener(() => {
        // The worker went away before its final reply (Chrome stopped it, the extension reloaded): fail, never hang.
        if (active.get(message.id) !== port) return;
        active.delete(message.id);
        reply({ source: EXTENSION_SOURCE, version: PROTOCOL_VERSION, kind: "error", id: message.id, error: disconnected() });
      });
      const request: PortRequest = { method: message.method, params: message.params, ...(message.budget ? { budget: message.budget } : {}) };
      port.postMessage(request);
    },
    { signal },
  );
  signal.addEventListener("abort", () => {
    for (const port of active.values()) port.disconnect();
    active.clear();
  });
  announce();
}

type Accepted =
  | { kind: "hello" }
  | { kind: "abort"; id: string }
  | { kind: "request"; id: string; method: PortRequest["method"]; params: unknown; budget?: PortRequest["budget"] };

/** The message if it is a well-formed page request of this very window, else undefined. */
function acceptable(event: MessageEvent, target: unknown): Accepted | undefined {
  if (event.source !== target) return undefined;
  const data = event.data as Record<string, unknown> | null;
  if (typeof data !== "object" || data === null || data.source !== PAGE_SOURCE || data.version !== PROTOCOL_VERSION) return undefined;
  if (data.kind === "hello") return { kind: "hello" };
  if (typeof data.id !== "string" || !REQUEST_ID.test(data.id)) return undefined;
  if (data.kind === "abort") return { kind: "abort", id: data.id };
  if (data.kind !== "request" || typeof data.method !== "string" || !(PAGE_METHODS as readonly string[]).includes(data.method)) return undefined;
  if (data.budget !== undefined && (typeof data.budget !== "object" || data.budget === null)) return undefined;
  if (!withinSize(data)) return undefined;
  return { kind: "request", id: data.id, method: data.method as PortRequest["method"], params: data.params, ...(data.budget ? { budget: data.budget as PortRequest["budget"] } : {}) };
}

/** JSON size in UTF-8 bytes at most MAX_PAGE_MESSAGE_BYTES; what cannot be serialised (cycles, functions) fails. */
function withinSize(data: unknown): boolean {
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch {
    return false;
  }
  if (json === undefined || json.length > MAX_PAGE_MESSAGE_BYTES) return false;
  // UTF-8 is at most 3 bytes per UTF-16 unit: only near the limit is an exact count needed.
  return json.length * 3 <= MAX_PAGE_MESSAGE_BYTES || new TextEncoder().encode(json).length <= MAX_PAGE_MESSAGE_BYTES;
}

function disconnected() {
  return { name: "ModelMeshError", code: EXTENSION_ERROR_CODES.disconnected, retryable: true, message: "the ModelMesh extension stopped before it answered (its service worker was stopped, or the extension was reloaded); ask again" };
}
