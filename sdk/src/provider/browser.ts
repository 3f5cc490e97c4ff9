/**
 * `BrowserBaseProvider`: an OpenAI-compatible provider meant for pages and extensions. Everything it uses is
 * Web-standard (fetch, ReadableStream, FormData, TextDecoder), resolved at call time, so it runs in a page, a
 * worker and an MV3 service worker. A page needs `proxyUrl` when the service does not allow CORS; an extension
 * with `host_permissions` does not.
 */
import { OPENAI_MODELS } from "./openai.js";
import { createOpenAICompatibleConfig, OpenAICompatibleProvider } from "./openai-compatible.js";
import type { OpenAICompatibleConfig, OpenAICompatibleConfigInput } from "./openai-compatible.js";
import type { ModelInfo } from "./provider.js";

/** What `createBrowserProviderConfig` takes: the FAQ's `{ baseUrl, apiKey, proxyUrl }` plus any OpenAI-compatible option. */
export interface BrowserProviderConfigInput extends OpenAICompatibleConfigInput {
  baseUrl?: string;
  apiKey?: string;
  /** A CORS proxy that takes the full target URL after it, e.g. `http://localhost:3000/proxy/`. */
  proxyUrl?: string;
}

/**
 * Builds a browser provider's configuration. A bare origin (`https://api.openai.com`, as the FAQ writes it) gets
 * OpenAI's `/v1` prefix; a URL with a path is used as given.
 * @example
 * const provider = new BrowserBaseProvider(createBrowserProviderConfig({
 *   baseUrl: "https://api.openai.com",
 *   apiKey: userEnteredKey,
 *   proxyUrl: "http://localhost:3000/proxy/",
 * }));
 */
export function createBrowserProviderConfig(input: BrowserProviderConfigInput = {}): OpenAICompatibleConfig {
  const config = createOpenAICompatibleConfig(input);
  if (/^https?:\/\/[^/]+\/?$/i.test(config.baseUrl)) config.baseUrl = `${config.baseUrl.replace(/\/$/, "")}/v1`;
  return config;
}

/**
 * An OpenAI-compatible provider for browsers and extensions. Pointed at api.openai.com with no `models`, it knows
 * OpenAI's model list.
 * @example
 * const client = create("chat-completion", { providers: [{ connector: "openai", instance: new BrowserBaseProvider(createBrowserProviderConfig({ baseUrl: "https://api.openai.com", apiKey })) }] });
 */
export class BrowserBaseProvider extends OpenAICompatibleProvider {
  static override connectorId = "modelmesh.browser-provider.v1";
  static override shortName = "browser";
  static override defaultBaseUrl = "https://api.openai.com/v1";

  constructor(config: BrowserProviderConfigInput = {}) {
    super(createBrowserProviderConfig(config));
  }

  protected override defaultModels(): ModelInfo[] {
    return new URL(this._config.baseUrl).host === "api.openai.com" ? OPENAI_MODELS.map((model) => ({ ...model })) : [];
  }
}
