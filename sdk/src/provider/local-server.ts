/**
 * The shared shape of OpenAI-compatible servers that run on the user's machine (Ollama, LM Studio, vLLM, LocalAI):
 * no key by default (one is sent when configured, e.g. vLLM's `--api-key`), no built-in model list — the models are
 * whatever the server has loaded, read from its `GET /models` when the mesh starts, unless configuration lists them
 * under `models:` (then nothing is fetched). No prices: local inference costs nothing per token.
 */
import { isModelMeshError } from "../wire/errors.js";
import { ConfigError } from "../wire/error-base.js";
import { configWithVersion } from "./content-parts.js";
import { OpenAICompatibleProvider, type OpenAICompatibleConfigInput } from "./openai-compatible.js";
import type { ModelInfo, ProviderOperation } from "./provider.js";

/** How long a local server may take to list its models at start (it is on this machine or the LAN). */
const MODEL_LIST_TIMEOUT_MS = 5_000;

/**
 * Base of the local-server connectors: OpenAI-compatible, keyless by default, models listed by the server itself.
 * @example
 * class MyServer extends LocalServerProvider {
 *   static override connectorId = "corp.local.v1";
 *   static override defaultBaseUrl = "http://localhost:9000/v1";
 *   constructor(config = {}) { super(config, MyServer.defaultBaseUrl, ["chat"]); }
 * }
 */
export abstract class LocalServerProvider extends OpenAICompatibleProvider {
  #listed: ModelInfo[] | undefined;
  readonly #configured: boolean;

  protected constructor(config: OpenAICompatibleConfigInput, defaultBaseUrl: string, operations: ProviderOperation[]) {
    super({ operations, ...configWithVersion(config, defaultBaseUrl, "/v1") });
    this.#configured = Array.isArray(config.models) && config.models.length > 0;
  }

  override listModels(): ModelInfo[] {
    // The server's own list replaces the (empty) built-in one; configured models never reach here (nothing is fetched).
    return this.#listed ? this.#listed.map((model) => ({ ...model, capabilities: [...model.capabilities] })) : super.listModels();
  }

  /**
   * Reads the server's loaded models when configuration lists none; called once by the mesh before it builds pools.
   * A server that does not answer fails start with a ConfigError naming the server and the way out.
   */
  async loadModels(): Promise<void> {
    if (this.#configured || this.#listed) return;
    try {
      this.#listed = await this.fetchModelList({ timeoutMs: MODEL_LIST_TIMEOUT_MS });
    } catch (error) {
      const reason = isModelMeshError(error) ? error.message : String(error);
      throw new ConfigError(`providers.${this.id}`, `${this.id} did not list its models at ${this._config.baseUrl}/models (${reason}); start the server, or list its models under "models:"`);
    }
  }
}
