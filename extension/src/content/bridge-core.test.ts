// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startBridge, type BridgePort } from "./bridge-core.ts";
import { MAX_PAGE_MESSAGE_BYTES } from "../shared/protocol.ts";

/** A port to the worker that records what the bridge sends and lets the test answer or hang up. */
function fakeWorker() {
  const ports: Array<BridgePort & { sent: unknown[]; disconnected: boolean; reply(message: unknown): void; die(): void }> = [];
  const connect = (name: string) => {
    const messageListeners: Array<(message: unknown) => void> = [];
    const disconnectListeners: Array<() => void> = [];
    const port = {
      name,
      sent: [] as unknown[],
      disconnected: false,
      postMessage: (message: unknown) => void port.sent.push(message),
      disconnect: () => void (port.disconnected = true),
      onMessage: { addListener: (listener: (message: unknown) => void) => void messageListeners.push(listener) },
      onDisconnect: { addListener: (listener: () => void) => void disconnectListeners.push(listener) },
      reply: (message: unknown) => messageListeners.forEach((listener) => listener(message)),
      die: () => disconnectListeners.forEach((listener) => listener()),
    };
    ports.push(port);
    return port;
  };
  return { ports, connect };
}

let controller: AbortController;
let worker: ReturnType<typeof fakeWorker>;
let received: any[];
const onMessage = (event: MessageEvent) => {
  if (event.data?.source === "modelmesh-extension") received.push(event.data);
};

beforeEach(() => {
  controller = new AbortController();
  worker = fakeWorker();
  received = [];
  window.addEventListener("message", onMessage);
  startBridge({ window, connect: worker.connect, extensionVersion: "9.9.9", signal: controller.signal });
});
afterEach(() => {
  controller.abort();
  window.removeEventListener("message", onMessage);
});

const flush = () => new Promise((resolve) => setTimeout(resolve, 20));
/** Posts as the page does: same window, so `event.source === window`. */
const fromPage = (data: unknown) => window.dispatchEvent(new MessageEvent("message", { data, source: window, origin: location.origin }));
const request = (extra: Record<string, unknown> = {}) => ({ source: "modelmesh-page", version: 1, kind: "request", id: "req-1", method: "chat.completions.create", params: { model: "chat", messages: [] }, ...extra });

describe("the page bridge", () => {
  it("announces itself at start and when a page says hello", async () => {
    await flush();
    expect(received).toEqual([{ source: "modelmesh-extension", version: 1, kind: "announce", extensionVersion: "9.9.9" }]);
    fromPage({ source: "modelmesh-page", version: 1, kind: "hello" });
    await flush();
    expect(received).toHaveLength(2);
  });

  it("forwards a documented request on its own port and relays chunks and the end, then closes the port", async () => {
    fromPage(request({ budget: { dailyLimit: 1 } }));
    expect(worker.ports).toHaveLength(1);
    expect(worker.ports[0]!.sent).toEqual([{ method: "chat.completions.create", params: { model: "chat", messages: [] }, budget: { dailyLimit: 1 } }]);
    worker.ports[0]!.reply({ kind: "chunk", chunk: { n: 1 } });
    worker.ports[0]!.reply({ kind: "end" });
    await flush();
    expect(received.filter((message) => message.kind !== "announce")).toEqual([
      { source: "modelmesh-extension", version: 1, kind: "chunk", id: "req-1", chunk: { n: 1 } },
      { source: "modelmesh-extension", version: 1, kind: "end", id: "req-1" },
    ]);
    expect(worker.ports[0]!.disconnected).toBe(true);
  });

  it("drops, silently, messages from other windows, other sources, versions, kinds, methods, ids, and oversized ones", async () => {
    // Another frame's window stands as any other message source: a port of a channel.
    window.dispatchEvent(new MessageEvent("message", { data: request(), source: new MessageChannel().port1 }));
    window.dispatchEvent(new MessageEvent("message", { data: request(), source: null }));
    fromPage({ ...request(), source: "someone-else" });
    fromPage({ ...request(), version: 2 });
    fromPage({ ...request(), kind: "admin" });
    fromPage(request({ method: "keys.list" }));
    fromPage(request({ method: "constructor" }));
    fromPage(request({ id: "" }));
    fromPage(request({ id: "x".repeat(65) }));
    fromPage(request({ id: "<script>" }));
    fromPage(request({ id: 42 }));
    fromPage(request({ budget: "lots" }));
    fromPage(request({ params: { blob: "x".repeat(MAX_PAGE_MESSAGE_BYTES) } }));
    fromPage("modelmesh-page");
    fromPage(null);
    await flush();
    expect(worker.ports).toHaveLength(0);
    expect(received.filter((message) => message.kind !== "announce")).toEqual([]);
  });

  it("a worker that goes away mid-request (stopped, reloaded) gives the page a typed error, never silence", async () => {
    fromPage(request());
    worker.ports[0]!.reply({ kind: "chunk", chunk: {} });
    worker.ports[0]!.die();
    await flush();
    expect(received.at(-1)).toMatchObject({ kind: "error", id: "req-1", error: { name: "ModelMeshError", code: "extension_disconnected", retryable: true } });
  });

  it("an abort from the page disconnects that request's port and nothing more is relayed", async () => {
    fromPage(request());
    fromPage({ source: "modelmesh-page", version: 1, kind: "abort", id: "req-1" });
    expect(worker.ports[0]!.disconnected).toBe(true);
    worker.ports[0]!.reply({ kind: "chunk", chunk: {} });
    await flush();
    expect(received.filter((message) => message.kind !== "announce")).toEqual([]);
  });

  it("ignores a second request with an id already in flight, and unknown reply kinds from the port", async () => {
    fromPage(request());
    fromPage(request());
    expect(worker.ports).toHaveLength(1);
    worker.ports[0]!.reply({ kind: "secret", key: "x" });
    await flush();
    expect(received.filter((message) => message.kind !== "announce")).toEqual([]);
  });

  it("stops listening when the extension context dies (signal aborted)", async () => {
    fromPage(request({ id: "in-flight" }));
    controller.abort();
    expect(worker.ports[0]!.disconnected).toBe(true);
    fromPage(request({ id: "after" }));
    fromPage({ source: "modelmesh-page", version: 1, kind: "hello" });
    await flush();
    expect(worker.ports).toHaveLength(1);
    expect(received.filter((message) => message.kind !== "announce")).toEqual([]);
  });
});
