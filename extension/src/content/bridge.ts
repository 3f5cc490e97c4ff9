// Content script entry (document_start, every http(s) frame): starts the page bridge. Its listeners die with the
// extension context: when the extension is reloaded or removed, `chrome.runtime.id` goes away and the signal aborts.
import { startBridge } from "./bridge-core.ts";

declare const chrome: { runtime: { id?: string; connect(info: { name: string }): ReturnType<Parameters<typeof startBridge>[0]["connect"]>; getManifest(): { version: string } } };

const controller = new AbortController();
const alive = () => {
  if (chrome.runtime?.id) return true;
  controller.abort();
  return false;
};

startBridge({
  window,
  // Looked up at each request, so a stale context is noticed when it is used.
  connect: (name) => {
    if (!alive()) throw new Error("extension context invalidated");
    return chrome.runtime.connect({ name });
  },
  extensionVersion: chrome.runtime.getManifest().version,
  signal: controller.signal,
});
