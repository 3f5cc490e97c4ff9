import type { ProviderOperation } from "../provider/provider.js";
import { ModelMeshError } from "../wire/error-base.js";
import type { ModelMesh } from "../core/mesh.js";
import type { CloseOptions, CreateOptions } from "../core/options.js";
import { capabilities } from "../wire/capabilities.js";
import { checkConnector } from "../core/registry.js";
import { createOptions } from "../core/config-source.js";
import { checkOptionKeys } from "./create-arguments.js";
import type { UsageSummary } from "../core/usage.js";
import type { ConfigOutline } from "../core/config-outline.js";
import type { ClientContext } from "./context.js";
import { ChatCompletions } from "./chat-completions.js";
import { Embeddings } from "./embeddings.js";
import { Retrieval, type Rerank, type Scrape, type Search } from "./retrieval.js";
import { Speech } from "./audio-speech.js";
import { Transcriptions } from "./audio-transcriptions.js";
import { Images } from "./images.js";
import { Models } from "./models.js";
import { resolveRequestLimits } from "../core/request-limits.js";

/**
 * How a client gets its mesh: `validate` runs in `create()` (synchronous, no I/O), `start` in the background.
 * The `modelmesh` entry loads the mesh's code with `import()`; `modelmesh/static` links it statically.
 */
export interface MeshSetup<Checked extends ConfigOutline = ConfigOutline> {
  /** Throws ConfigError for what it finds wrong; returns what the client describes while starting (undefined: nothing yet). */
  validate(options: CreateOptions): Checked | undefined;
  start(options: CreateOptions, validated: Checked | undefined): Promise<ModelMesh>;
}

/**
 * `create()`'s options: those of the mesh it makes (`CreateOptions`), or `mesh`, one the caller made
 * (`new ModelMesh()` then `initialize(config)`, or `ModelMesh.start()`), which the client then routes through.
 * @example
 * const mesh = new ModelMesh();
 * await mesh.initialize(MeshConfig.fromYaml("modelmesh.yaml"));
 * const client = create("chat-completion", { mesh });
 */
export interface ClientOptions extends CreateOptions {
  /** A mesh to route through, as it is: with it, only `limits` may be given besides (the rest configure a mesh). */
  mesh?: ModelMesh;
}

/** `"starting"` until configuration, connectors, secrets and saved state are loaded; then `"ready"`, or `"failed"`. */
export type MeshClientState = "starting" | "ready" | "failed";

/** `describe()`: the mesh's description plus the client's state (empty pools and no models while starting). */
export type MeshDescription = ReturnType<ModelMesh["describe"]> & { state: MeshClientState };

/** `explain()`: which model a request would go to and why; `selectedModel` is null while starting. */
export type MeshExplanation = ReturnType<ModelMesh["router"]["explain"]> & { state: MeshClientState };

const STARTING_REASON = "the mesh is still starting (loading configuration, connectors, secrets and saved state): no model is in service yet; await client.ready()";

/** Which operation a capability is for, so `create("text-embeddings")` sets the embeddings default. */
function operationOf(capability: string): ProviderOperation {
  const path = capabilities.isKnown(capability) ? capabilities.resolve(capability) : capability;
  if (path.startsWith("representation.embeddings")) return "embeddings";
  if (path.endsWith("text-to-speech")) return "speech";
  if (path.endsWith("speech-to-text")) return "transcription";
  if (path.startsWith("generation.image-generation")) return "images";
  if (path.startsWith("retrieval.reranking")) return "rerank";
  if (path.startsWith("retrieval.search")) return "search";
  if (path.startsWith("retrieval.content-extraction")) return "scrape";
  return "chat";
}

/**
 * A client with the official OpenAI SDK's call shape, backed by a ModelMesh. Made by `create()`.
 * The mesh starts in the background; every call waits for it, and `ready()` lets you wait first.
 * Until then `state` is `"starting"` and `poolStatus()`, `describe()` and `explain()` answer from the
 * configuration: its pools, with no model in service (`active: 0`) and no model selected.
 * @example
 * const client = create("chat-completion");
 * const reply = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hello!" }] });
 * console.log(client.poolStatus());
 */
export class MeshClient {
  readonly chat: { completions: ChatCompletions };
  readonly embeddings: Embeddings;
  readonly audio: { speech: Speech; transcriptions: Transcriptions };
  readonly images: Images;
  /** What the mesh serves, as OpenAI model objects: `list()` (awaited or iterated) and `retrieve(id)`. */
  readonly models: Models;
  /** Reranking, web search and scraping, routed like the rest (pools `reranking`, `web-search`, `web-scraping`). */
  readonly rerank: Rerank;
  readonly search: Search;
  readonly scrape: Scrape;
  #mesh: ModelMesh | undefined;
  #error: unknown;
  #starting: Promise<ModelMesh>;
  /** The capabilities given to `create()`: the first of each kind answers a request without `model`. */
  #capabilities: readonly string[];
  #config: ConfigOutline | undefined;

  /**
   * Use `create()`; `setup` is how the entry point (`modelmesh` or `modelmesh/static`) provides the mesh, unless the
   * options give one (`{ mesh }`).
   */
  constructor(capability: string | readonly string[] | undefined, given: ClientOptions, setup: MeshSetup) {
    this.#capabilities = capability === undefined ? [] : typeof capability === "string" ? [capability] : capability;
    const options = createOptions(given) as ClientOptions;
    checkOptionKeys(options);
    const mesh = options.mesh;
    // A mesh the caller made: nothing to load, only its start to wait for (it rejects for a mesh nobody initialized).
    // Its own code, loaded already, checks the options given with it, so none of this weighs on a page up front.
    if (mesh) setup = { validate: (checked) => mesh.checkClientOptions(checked), start: () => mesh.ready() };
    // Object and JSON configuration is checked now, so a typo (a key, a connector name) fails at create(), not at the first call.
    const validated = setup.validate(options);
    this.#config = validated;
    const limits = resolveRequestLimits(options.limits);
    this.#starting = setup.start(options, validated).then(
      (mesh) => (this.#mesh = mesh),
      (error: unknown) => {
        this.#error = error;
        throw error;
      },
    );
    // The first call re-raises a start-up failure; an unobserved one must not crash the process.
    this.#starting.catch(() => {});
    const context: ClientContext = {
      mesh: () => this.#starting,
      started: () => this.#mesh,
      limits,
    };
    this.chat = { completions: new ChatCompletions(context) };
    this.embeddings = new Embeddings(context);
    this.audio = { speech: new Speech(context), transcriptions: new Transcriptions(context) };
    this.images = new Images(context);
    this.models = new Models(context);
    this.rerank = new Retrieval(context, "rerank");
    this.search = new Retrieval(context, "search");
    this.scrape = new Retrieval(context, "scrape");
  }

  /** Resolves when configuration, secrets and saved state are loaded; rejects with the start-up error. */
  async ready(): Promise<this> {
    await this.#starting;
    return this;
  }

  /** The running mesh (for `reconfigure`, the proxy, tools). */
  get mesh(): ModelMesh {
    return this.started();
  }

  /** `"starting"`, `"ready"` or `"failed"` (then every call rejects with the start-up error). */
  get state(): MeshClientState {
    return this.#mesh ? "ready" : this.#error ? "failed" : "starting";
  }

  /** `{ [pool]: { active, standby, total } }`; while starting, the configuration's pools with no model in service. */
  poolStatus(): Record<string, { active: number; standby: number; total: number }> {
    if (!this.ready_()) return Object.fromEntries(Object.keys(this.startingPools()).map((name) => [name, { active: 0, standby: 0, total: 0 }]));
    return this.started().poolStatus();
  }

  /** Providers, pools, their strategies and every model's state, as a plain object, with the client's `state`. */
  describe(): MeshDescription {
    if (!this.ready_()) {
      const config = this.#config;
      return {
        state: "starting",
        providers: (config?.providers ?? [])
          .filter((spec) => spec.enabled)
          .map((spec) => {
            const instance = spec.instance as { id?: string; connectorId?: string } | undefined;
            return { id: instance?.id ?? spec.name, connector: instance?.connectorId ?? checkConnector("provider", spec.connector, spec.path), models: 0 };
          }),
        pools: Object.fromEntries(
          Object.entries(this.startingPools()).map(([name, pool]) => [name, { ...pool, active: 0, standby: 0, total: 0, models: [] }]),
        ),
      };
    }
    return { state: "ready", ...this.started().describe() };
  }

  /** Which model a request for `model` would go to now, and why. Sends nothing. While starting, none (`selectedModel: null`). */
  explain(request: { model?: string; messages?: unknown[]; tools?: unknown[]; user?: string; session?: string } = {}): MeshExplanation {
    const target = request.model || this.#capabilities[0] || "chat-completion";
    if (!this.ready_()) {
      const pools = this.startingPools();
      // A capability a declared pool serves names that pool, as it will once started.
      const path = pools[target] ? undefined : capabilities.isKnown(target) ? capabilities.resolve(target) : undefined;
      const name = Object.keys(pools).find((key) => pools[key]!.capability === path) ?? target;
      const pool = pools[name];
      return { state: "starting", pool: name, strategy: pool?.strategy ?? this.strategyName(this.#config?.defaults.strategy), selectedModel: null, selectedProvider: null, reason: STARTING_REASON, candidates: [] };
    }
    const mesh = this.started();
    const operation = operationOf(target);
    const features =
      operation === "chat"
        ? mesh.chatFeatures({ model: target, messages: (request.messages ?? []) as never, ...(request.tools ? { tools: request.tools as never } : {}) })
        : mesh.simpleFeatures(operation, "");
    return { state: "ready", ...mesh.router.explain(target, features, request, request.session ?? request.user) };
  }

  /** Requests, tokens and cost per model, provider and pool (restored across restarts with storage). */
  get usage(): UsageSummary {
    return this.#mesh?.usage ?? { totalCost: 0, totalTokens: 0, requests: 0, unpricedRequests: 0, byModel: {}, byProvider: {}, byPool: {}, byScope: {}, budgets: {} };
  }

  /**
   * Waits for the requests still running (up to `timeoutMs`, default 10 s: a stream nobody reads to its end or leaves
   * never ends by itself), then writes state to storage, flushes observability and stops timers.
   * @example
   * await client.close();                      // on shutdown
   * await client.close({ timeoutMs: 0 });      // without waiting for anything still running
   */
  async close(options?: CloseOptions): Promise<void> {
    const mesh = await this.#starting.catch(() => undefined);
    await mesh?.close(options);
  }

  /** False while starting; throws the start-up error once start failed. */
  private ready_(): boolean {
    if (this.#mesh) return true;
    if (this.#error) throw this.#error;
    return false;
  }

  /** The pools the configuration declares, and the client's capability when no declared pool serves it: what start will build. */
  private startingPools(): Record<string, { capability: string; strategy: string; configured: boolean }> {
    const config = this.#config;
    const pools: Record<string, { capability: string; strategy: string; configured: boolean }> = {};
    for (const pool of config?.pools ?? []) pools[pool.name] = { capability: pool.capability, strategy: this.strategyName(pool.strategy), configured: true };
    for (const capability of this.#capabilities) {
      if (!capability || pools[capability] || !capabilities.isKnown(capability)) continue;
      const path = capabilities.resolve(capability);
      if (!Object.values(pools).some((pool) => pool.capability === path)) pools[capability] = { capability: path, strategy: this.strategyName(config?.defaults.strategy), configured: false };
    }
    return pools;
  }

  private strategyName(strategy: unknown): string {
    if (typeof strategy === "string") return checkConnector("rotation", strategy, "defaults.strategy");
    return (strategy as { id?: string } | undefined)?.id ?? "modelmesh.stick-until-failure.v1";
  }

  private started(): ModelMesh {
    if (this.#mesh) return this.#mesh;
    if (this.#error) throw this.#error;
    throw new ModelMeshError("the mesh is still starting (loading configuration, secrets and saved state): await client.ready() first", { code: "not_ready" });
  }
}
