/**
 * The mesh this page uses: one browser provider (`BrowserBaseProvider`, the FAQ's `{ baseUrl, apiKey, proxyUrl }`)
 * in the implicit "chat-completion" pool. `create` comes from `modelmesh/lazy`, so only the client ships with the
 * page; the router loads as its own chunk when the client starts.
 */
import { BrowserBaseProvider, createBrowserProviderConfig } from "modelmesh";
import { create, type MeshClient } from "modelmesh/lazy";
import type { PageSettings } from "./settings.js";

/** The capability (and implicit pool name) the page asks for, as in the FAQ's browser example. */
export const CHAT_POOL = "chat-completion";
const CHAT_CAPABILITY = "generation.text-generation.chat-completion";

/**
 * A client over one browser provider built from the page's settings.
 * @example
 * const client = createMesh({ baseUrl: "https://api.openai.com", apiKey, proxyUrl: "http://127.0.0.1:8787/proxy/", model: "gpt-4o-mini", priceInput: undefined, priceOutput: undefined });
 */
export function createMesh(settings: PageSettings): MeshClient {
  // Only the prices given: the rest keep the provider's own (api.openai.com's list has OpenAI's prices).
  const prices = { ...(settings.priceInput !== undefined ? { input: settings.priceInput } : {}), ...(settings.priceOutput !== undefined ? { output: settings.priceOutput } : {}) };
  if (settings.format === "anthropic") {
    // Anthropic accepts requests from pages that send `anthropic-dangerous-direct-browser-access: true`, which its
    // connector does in a browser: no relay needed. The connector is named by id, so its code is a lazy chunk.
    const config = { apiKey: settings.apiKey, baseUrl: settings.baseUrl, ...(settings.proxyUrl ? { proxyUrl: settings.proxyUrl } : {}), models: [{ id: settings.model, capabilities: [CHAT_CAPABILITY], pricing: prices }] };
    return create(CHAT_POOL, { providers: [{ connector: "anthropic.llm.v1", config }] });
  }
  const provider = new BrowserBaseProvider(
    createBrowserProviderConfig({
      baseUrl: settings.baseUrl,
      apiKey: settings.apiKey,
      ...(settings.proxyUrl ? { proxyUrl: settings.proxyUrl } : {}),
      // The typed model joins the provider's known list (or updates its entry there); any base URL other than
      // api.openai.com starts with no model at all.
      models: [{ id: settings.model, capabilities: [CHAT_CAPABILITY], pricing: prices }],
    }),
  );
  return create(CHAT_POOL, { providers: [{ connector: "browser", instance: provider }] });
}
