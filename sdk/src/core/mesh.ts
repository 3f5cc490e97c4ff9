import { ModelMeshError, NoCapableModelError } from "../wire/errors.js";
import { ConfigError, InvalidRequestError } from "../wire/error-base.js";
import { createOptions } from "./config-source.js";
import { configSource, loadConfigSync, resolveConfig, type ConnectorSpec, type MeshConfigObject, type PoolSettings, type ProviderSpec, type ResolvedConfig } from "./config.js";
import type { MeshConfig } from "./config-load.js";
import { capabilities, capabilityCovers, resolveCapability } from "../wire/capabilities.js";
import { createModelState, type ModelState } from "../wire/model-state.js";
import { STATE_KEY, pickPersisted, type PersistedState } from "./model-state-snapshot.js";
import { distance } from "./config-typos.js";
import { checkStrategyKeys } from "./strategy-keys.js";
import { applyOptions, buildConnector, buildSecretStore, globToRegExp, interpolate, isRotationPolicy, loadConnectors, resolveSecrets, validateOptions } from "./build.js";
import { Pool } from "./pool.js";
import { Router, type RequestOptions } from "./router.js";
import { UsageTracker, type UsageSummary } from "./usage.js";
import { BudgetLedger, type BudgetLimits, type BudgetPlan } from "./budget.js";
import { ModelStateSharing, isSharedModelStore } from "./shared-models.js";
import { UsageSharing, isSharedUsageStore } from "./shared-usage.js";
import { isRegistered, registerConnectors } from "./registry.js";
import { listConnectors, resolveConnector } from "./registry-load.js";
import { BUILTIN_CONNECTORS } from "./connector-ids.js";
import { CLOSE_WAIT_MS, MAX_CLOSE_WAIT_MS, type CloseOptions, type CreateOptions, type RequestLimits } from "./options.js";
import { InFlight } from "./in-flight.js";
import { checkRequest } from "./request-checks.js";
import { callerError } from "./caller-error.js";
import { ChatStreamRun, type ChatStreamHost } from "./chat-stream-snapshot.js";
import { openChatStream } from "./chat-stream-open.js";
import { checkParseRequest, parseCompletion } from "./chat-parse.js";
import { runTools as runToolsOf, type ToolRunnerHost, type ToolRunnerOutcome } from "./tool-runner.js";
import type { OpenTurnStream } from "./streamed-turn.js";
import type { MeshStream } from "../wire/mesh-stream.js";
import { chatFeatures, simpleFeatures, type RequestFeatures } from "./features.js";
import { findModel, ModelsPage, modelList, type Served } from "./model-list.js";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams, ChatCompletionRequest, Model } from "../wire/types.js";
import type { BudgetStats, EventSink, MeshEvent, MeshStats } from "../wire/events.js";
import type { MiddlewareLike } from "./middleware.js";
import { withCompletionView } from "./middleware-view.js";
import type { ModelInfo, Provider, ProviderOperation } from "../provider/provider.js";
import type { BaseRotationPolicy } from "../rotation/rotation.js";
import type { SecretStore } from "../secrets/secret-store.js";
import { StickUntilFailurePolicy } from "../rotation/stick-until-failure.js";
import { EnvSecretStore } from "../secrets/env.js";
import type { BaseStorage } from "../storage/storage.js";
import { MemoryStorage } from "../storage/memory.js";
import { MultiSink } from "../observability/multi.js";
import { redactsItself, scrubsWhatItKeeps, trackedRedactor, trustRedactor } from "../observability/sink.js";
import { NullObservability } from "../observability/null.js";
import { AutoDiscovery } from "../discovery/auto-discovery.js";
import type { BaseDiscovery, ListableProvider } from "../discovery/discovery.js";
import type { HealthReport, HealthTarget } from "../discovery/health-monitor.js";
import { seededRandom } from "../internal/random.js";
import { sleep as abortableSleep } from "../internal/sleep.js";

export type { ConnectorOption, CreateOptions } from "./options.js";

/** What one configuration builds; swapped whole on reconfigure, so in-flight requests keep theirs. */
interface Runtime {
  config: ResolvedConfig;
  providers: Map<string, Provider>;
  states: Map<string, ModelState>;
  pools: Map<string, Pool>;
  implicitPools: Map<string, Pool>;
  router: Router;
  secretValues: string[];
  budgets: BudgetPlan;
  discovery?: BaseDiscovery;
  /** Each provider's models as discovery read them from its service, when it did (else its built-in list is used). */
  listed: Map<string, ModelInfo[]>;
  /** Warnings found while building (a model list that could not be read), emitted once the sink is open. */
  notices: MeshEvent[];
}

const OPERATION_DEFAULTS: Record<ProviderOperation, string> = {
  chat: "chat-completion",
  embeddings: "text-embeddings",
  speech: "text-to-speech",
  transcription: "speech-to-text",
  images: "text-to-image",
  rerank: "reranking",
  search: "web-search",
  scrape: "web-scraping",
};

const OPERATION_CAPABILITY_ROOTS: Record<ProviderOperation, string[]> = {
  chat: ["generation.text-generation"],
  embeddings: ["representation.embeddings"],
  speech: ["generation.audio-generation.text-to-speech"],
  transcription: ["understanding.audio-understanding.speech-to-text"],
  images: ["generation.image-generation"],
  rerank: ["retrieval.reranking"],
  search: ["retrieval.search"],
  scrape: ["retrieval.content-extraction"],
};

const OPERATION_NAMES: Record<ProviderOperation, string> = {
  chat: "chat completions",
  embeddings: "embeddings",
  speech: "speech",
  transcription: "transcriptions",
  images: "image generation",
  rerank: "reranking",
  search: "web search",
  scrape: "scraping",
};


/** Longer than any pool, capability path or model id; a longer `model` is refused before any lookup. */
const MAX_MODEL_NAME_LENGTH = 256;

/** A name as error messages may quote it: whole when short, else its start and its length (never megabytes). */
function quoted(name: string): string {
  return name.length <= 80 ? `"${name}"` : `"${name.slice(0, 60)}…" (${name.length} characters)`;
}

/** True when a capability (or a model tagged with it) is of the kind an operation needs. */
function servesOperation(capability: string, operation: ProviderOperation): boolean {
  // Asked on every request for the pool's capability: answered once per (operation, capability). Capabilities come
  // from the configuration and the capability tree, so the memo stays small; the cap only bounds a misuse.
  let answers = servingAnswers.get(operation);
  if (!answers) servingAnswers.set(operation, (answers = new Map()));
  let serves = answers.get(capability);
  if (serves === undefined) {
    serves = OPERATION_CAPABILITY_ROOTS[operation].some((root) => capabilityCovers(root, capability));
    if (answers.size >= 1_024) answers.clear();
    answers.set(capability, serves);
  }
  return serves;
}

const servingAnswers = new Map<ProviderOperation, Map<string, boolean>>();

function wrongKind(name: string, capability: string, operation: ProviderOperation): InvalidRequestError {
  const wanted = OPERATION_CAPABILITY_ROOTS[operation][0]!;
  return new InvalidRequestError(
    `${quoted(name)} serves ${capability}, which cannot answer ${OPERATION_NAMES[operation]}: name a pool, capability or model under ${wanted}`,
    "model",
  );
}

/**
 * The running mesh: providers, model state, pools, the router, storage and observability.
 * `create()` wraps one in a client with the OpenAI call shape; use it directly to reconfigure. Made started by
 * `ModelMesh.start(options)`, or as the FAQ's Python does: `new ModelMesh(options?)`, then `initialize(config)`.
 * @example
 * const mesh = await ModelMesh.start({ config: "modelmesh.yaml" });
 * const errors = await mesh.reconfigure(newYamlText); // [] when applied
 * const other = new ModelMesh();
 * await other.initialize(MeshConfig.fromYaml("modelmesh.yaml"));
 * const client = create({ mesh: other });
 */
export class ModelMesh {
  readonly usageTracker = new UsageTracker();
  readonly middleware: MiddlewareLike[];
  #options: CreateOptions;
  /** Undefined until start or `initialize()` has built it; read through `#runtime`, which says so instead of a TypeError. */
  #current: Runtime | undefined;
  /** The one start of this mesh (`start` or `initialize()`), so a second one is refused and `ready()` can wait for it. */
  #starting: Promise<this> | undefined;
  #random: () => number;
  #secrets!: SecretStore;
  #storage!: BaseStorage;
  #sink!: EventSink;
  /** Cooldowns shared with other processes over the same storage (Redis). */
  #sharing: ModelStateSharing | undefined;
  /** Usage added up with other processes over the same storage (Redis). */
  #usageSharing: UsageSharing | undefined;
  #saveTimer: ReturnType<typeof setTimeout> | undefined;
  #saving: Promise<void> = Promise.resolve();
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Requests running, across reconfigurations (each builds a new router). */
  readonly #inFlight = new InFlight();
  #stopMonitor: (() => void) | undefined;
  /** Models the health monitor took out (it brings back only these). */
  readonly #monitorDown = new Set<string>();
  readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Budget counters; they outlive a reconfigure (limits change, spend does not) and are saved with the state. */
  readonly budgetLedger: BudgetLedger;
  /** When this mesh was made (its models' `created`). */
  #startedAt: number;

  /**
   * A mesh that is not started yet: `initialize(config)` starts it (the FAQ's `ModelMesh()` then `mesh.initialize(...)`).
   * `options` are `create()`'s; their `config` is what `initialize()` with no argument reads.
   * @example
   * const mesh = new ModelMesh({ middleware: [new Logging()] });
   * await mesh.initialize(new MeshConfig({ raw: { pools: { chat: { capability: "chat-completion" } } } }));
   */
  constructor(given: CreateOptions | MeshConfig = {}) {
    const options = createOptions(given) as CreateOptions;
    this.#options = options;
    // Hooks see chat answers in the FAQ's camelCase too; what they return goes on in the wire shape.
    this.middleware = (options.middleware ?? []).map(withCompletionView);
    this.now = options.clock?.now ?? Date.now;
    // Replaced when started if the configuration sets `routing.seed` (known only then).
    this.#random = options.clock?.random ?? Math.random;
    this.#startedAt = this.now();
    this.sleep = options.clock?.sleep ?? abortableSleep;
    this.budgetLedger = new BudgetLedger(this.now, {
      exceeded: (event) => this.#sink?.emit({ type: "budget-exceeded", severity: "warning", component: "budget", timestamp: this.now(), ...event }),
      alert: (event) => this.#sink?.emit({ type: "budget-alert", severity: "warning", component: "budget", timestamp: this.now(), ...event }),
    });
  }

  /**
   * Makes the connectors this mesh can name known to the registry. Here: the defaults every mesh uses when a
   * configuration names none, as classes (no `import()`, for service workers). The `modelmesh` entry adds every
   * built-in class; `modelmesh/lazy` adds every built-in as a loader of its own chunk.
   */
  protected static prepare(): void {
    for (const connector of [StickUntilFailurePolicy, EnvSecretStore, MemoryStorage, NullObservability, AutoDiscovery]) {
      // A loader or a user's class already registered under the id wins.
      if (!isRegistered(connector.connectorId)) registerConnectors([connector], BUILTIN_CONNECTORS);
    }
  }

  /** Reads configuration text. This one reads objects and JSON only: no YAML parser and no file system reach its bundle. */
  protected static async readConfig(source: string | MeshConfigObject): Promise<MeshConfigObject> {
    if (typeof source !== "string" || source.trim().startsWith("{")) return loadConfigSync(source);
    throw new ConfigError("", 'this ModelMesh (modelmesh/static) reads configuration objects and JSON only; parse YAML first (import { parse } from "yaml"; create({ config: parse(text) })) or use the "modelmesh" entry');
  }

  /** Checks what can be checked without I/O (an object or JSON config, connector names): throws ConfigError at once. */
  static validate(options: CreateOptions | MeshConfig): ResolvedConfig | undefined {
    this.prepare();
    return validateOptions(createOptions(options) as CreateOptions);
  }

  /** Loads configuration and secrets, loads and builds every connector and restores saved state. */
  static async start(given: CreateOptions | MeshConfig = {}, validated?: ResolvedConfig): Promise<ModelMesh> {
    this.prepare();
    const options = createOptions(given) as CreateOptions;
    const config = validated ?? applyOptions(resolveConfig(await this.readConfig(configSource(options.config) ?? {})), options);
    await loadConnectors(config);
    const mesh = new this(options);
    mesh.#starting = mesh.boot(config).then(() => mesh);
    return mesh.#starting;
  }

  /**
   * Starts a mesh made with `new ModelMesh()`, as `ModelMesh.start()` does: reads `config` (a `MeshConfig`, a
   * promise of one such as `MeshConfig.fromYaml(path)` returns, a configuration object, YAML or JSON text, or in
   * Node a file path; by default the constructor's `config`), builds every connector and restores saved state.
   * It starts a mesh once: a second call (or one on a mesh from `start()`) is refused with a ConfigError of code
   * `already_initialized`, since a running mesh changes configuration with `reconfigure()`, which swaps it atomically
   * and keeps storage and observability; after a failed call (its error is the rejection) it may be called again.
   * @example
   * const mesh = new ModelMesh();
   * await mesh.initialize(MeshConfig.fromYaml("modelmesh.yaml"));
   * const client = create({ mesh });
   */
  initialize(config?: string | MeshConfigObject | MeshConfig | PromiseLike<MeshConfig>): Promise<this> {
    if (this.#closed || this.#closing) return Promise.reject(new ConfigError("", "this ModelMesh is closed: make a new one to initialize", { code: "already_initialized" }));
    if (this.#starting) {
      return Promise.reject(new ConfigError("", "this ModelMesh is already initialized: apply a new configuration with mesh.reconfigure(config), which returns its errors ([] when applied)", { code: "already_initialized" }));
    }
    const starting = this.initializeWith(config);
    this.#starting = starting;
    // A failed start leaves the mesh as new, so it may be initialized again with a corrected configuration. (This
    // handler runs before the caller's, which was attached later: a retry from the caller's catch is accepted.)
    starting.catch(() => {
      if (this.#starting !== starting) return;
      this.#starting = undefined;
      this.#current = undefined;
      this.#stopMonitor?.();
    });
    return starting;
  }

  private async initializeWith(given: string | MeshConfigObject | MeshConfig | PromiseLike<MeshConfig> | undefined): Promise<this> {
    const mesh = this.constructor as typeof ModelMesh;
    mesh.prepare();
    const source = given === undefined ? this.#options.config : await given;
    const config = applyOptions(resolveConfig(await mesh.readConfig(configSource(source) ?? {})), this.#options);
    await loadConnectors(config);
    await this.boot(config);
    return this;
  }

  /**
   * Resolves with this mesh once started (`initialize()` or `start()`), rejects with the start's error; a mesh made
   * with `new ModelMesh()` and not initialized rejects with code `not_initialized`. `create({ mesh })` waits on it.
   */
  ready(): Promise<this> {
    return this.#starting ?? Promise.reject(this.notStarted());
  }

  /**
   * Refuses the options of `create({ mesh, ...options })` that would configure a mesh (they would be ignored, since
   * this one is configured already): ConfigError with the option's name. Only `limits`, the client's own, may be given.
   */
  checkClientOptions(options: object): undefined {
    const unused = Object.entries(options).find(([key, value]) => key !== "mesh" && key !== "limits" && value !== undefined);
    if (unused) throw new ConfigError(unused[0], "configures a new mesh, not the one given as `mesh`: give it to new ModelMesh(options), or use mesh.reconfigure(config)");
    return undefined;
  }

  /** What a mesh not started yet answers to anything that needs its providers and pools. */
  private notStarted(): ModelMeshError {
    return this.#starting
      ? new ModelMeshError("this ModelMesh is still initializing: await mesh.ready() (or the initialize() call) first", { code: "not_ready" })
      : new ModelMeshError("this ModelMesh is not initialized: await mesh.initialize(config) first, or make it with ModelMesh.start(options)", { code: "not_initialized" });
  }

  get #runtime(): Runtime {
    if (this.#current === undefined) throw this.notStarted();
    return this.#current;
  }

  set #runtime(runtime: Runtime) {
    this.#current = runtime;
  }

  /** The random source of retries' jitter and strategies: the clock's, else seeded by `routing.seed`, else Math.random. */
  get random(): () => number {
    return this.#random;
  }

  /** Opens what a configuration names, in the order start needs (shared by `start` and `initialize`). */
  private async boot(config: ResolvedConfig): Promise<void> {
    if (!this.#options.clock?.random && config.seed !== undefined) this.#random = seededRandom(config.seed);
    this.#secrets = buildSecretStore(config.secrets);
    // A store that cannot work (wrong password, no keyring) fails start with its reason, before any key is needed.
    await (this.#secrets as { open?: () => Promise<void> }).open?.();
    const connectorSecrets = await resolveSecrets(this.#secrets, [config.storage, ...config.observability, config.discovery]);
    this.#storage = buildConnector<BaseStorage>("storage", interpolate(config.storage, connectorSecrets)) ?? new MemoryStorage();
    this.#runtime = await this.buildRuntime(config);
    this.budgetLedger.configure(this.#runtime.budgets);
    this.#sink = this.buildSink(config.observability.map((spec) => interpolate(spec, connectorSecrets)!));
    // A sink that serves (Prometheus' `port`) binds now, so a port in use fails start instead of every scrape.
    await this.#sink.open?.();
    for (const notice of this.#runtime.notices) this.#sink.emit(notice);
    // A backend that cannot work here (no localStorage in Node, an unreadable file) fails start, not every save silently.
    await this.#storage.open?.();
    await this.restore();
    this.startHealthMonitor();
    // After restore: the budget journal (or the shared store) is newer than the budgets in the saved state.
    await this.budgetLedger.attach(this.#storage);
    if (isSharedModelStore(this.#storage)) {
      this.#sharing = new ModelStateSharing(this.#storage, () => this.#runtime.states, this.now);
      await this.#sharing.start();
    }
    if (isSharedUsageStore(this.#storage)) {
      this.#usageSharing = new UsageSharing(this.#storage, this.usageTracker);
      await this.#usageSharing.sync();
      this.#usageSharing.start();
    }
  }

  private async buildRuntime(config: ResolvedConfig, previous?: Runtime): Promise<Runtime> {
    // Built even when providers are configured, so a misspelt discovery connector is still reported.
    const discovery = buildConnector<BaseDiscovery>("discovery", config.discovery) ?? new AutoDiscovery();
    const providerSpecs = config.providers.length ? config.providers : await discovery.discover(this.#secrets, listConnectors("provider"));
    await loadConnectors(config, providerSpecs);
    if (providerSpecs.length === 0) {
      throw new ConfigError("providers", "no providers: none is configured and discovery found none (set OPENAI_API_KEY or another provider's key, or list providers in the configuration)");
    }
    const values = await resolveSecrets(this.#secrets, providerSpecs);
    const providers = new Map<string, Provider>();
    // Providers whose configuration lists `models:` keep exactly those: discovery fetches nothing for them.
    const fixedModels = new Set<string>();
    for (const spec of providerSpecs.filter((item) => item.enabled)) {
      const provider = await this.buildProvider(interpolate(spec, values)!);
      providers.set(provider.id, provider);
      if (Array.isArray(spec.config.models) && spec.config.models.length > 0) fixedModels.add(provider.id);
    }
    for (const spec of config.pools) {
      const unknown = (spec.providers ?? []).filter((name) => !providers.has(name));
      if (unknown.length) {
        throw new ConfigError(`${spec.path}.providers`, `names provider(s) ${unknown.map((name) => `"${name}"`).join(", ")}, which ${config.providers.length ? "are not configured" : "discovery did not find"} (providers: ${[...providers.keys()].join(", ") || "none"})`);
      }
    }
    // Servers that list their own models (local ones) are asked once, together, before pools are built.
    await Promise.all([...providers.values()].map((provider) => provider.loadModels?.()));
    // With discovery configured, the others' services are asked for their lists too (then models it lacks are added).
    const notices: MeshEvent[] = [];
    const listed = config.discovery ? await this.discoverModels(discovery, [...providers.values()].filter((provider) => !fixedModels.has(provider.id) && !provider.loadModels), notices) : new Map<string, ModelInfo[]>();
    // A provider that knows no model at all (an OpenAI-compatible service given only its URL and key) would serve
    // nothing: its service's own list is asked for, discovery or not.
    await Promise.all(
      [...providers.values()]
        .filter((provider) => !listed.has(provider.id) && !provider.loadModels && isListable(provider) && provider.listModels().length === 0)
        .map((provider) => this.listServiceModels(provider as Provider & ListableProvider, listed, notices)),
    );
    const patterns = this.discoveryPatterns(config.discovery);
    const states = new Map<string, ModelState>();
    for (const provider of providers.values()) {
      for (const info of listed.get(provider.id) ?? provider.listModels()) {
        if (!patterns(info.id)) continue;
        // Model lists may tag capabilities by alias ("chat-completion"); pools compare full paths.
        const tagged = { ...info, capabilities: info.capabilities.map((capability) => (capabilities.isKnown(capability) ? resolveCapability(capability) : capability)) };
        const fresh = createModelState(provider.id, provider.keyId, tagged);
        const old = previous?.states.get(fresh.key);
        // Health carries over a reconfigure unless the key changed (a new key gets a fresh start).
        states.set(fresh.key, old && old.keyId === fresh.keyId ? Object.assign(fresh, pickPersisted(old)) : fresh);
      }
    }
    const pools = new Map<string, Pool>();
    for (const spec of config.pools) {
      const members = [...states.values()].filter(
        (state) =>
          (!spec.providers || spec.providers.includes(state.providerId)) &&
          (!spec.models || spec.models.includes(state.modelId) || spec.models.includes(state.key)) &&
          state.info.capabilities.some((capability) => capabilityCovers(spec.capability, capability)),
      );
      if (members.length === 0) {
        throw new ConfigError(spec.path, `no configured model offers ${spec.capability}${spec.providers ? ` among providers ${spec.providers.join(", ")}` : ""}${spec.models ? ` among models ${spec.models.join(", ")}` : ""}`);
      }
      pools.set(spec.name, new Pool(spec.name, spec.capability, members, this.buildPolicy(spec, `${spec.path}.strategy`), spec, false));
    }
    const runtime: Runtime = { config, providers, states, pools, implicitPools: new Map(), router: undefined as unknown as Router, secretValues: [...values.values()], budgets: budgetPlan(config, providerSpecs), discovery, listed, notices };
    runtime.router = new Router({
      providers,
      sink: {
        emit: (event) => {
          this.#sharing?.observe(event);
          this.#sink?.emit(event);
        },
      },
      usage: this.usageTracker,
      middleware: this.middleware,
      random: this.random,
      inFlight: this.#inFlight,
      now: this.now,
      sleep: this.sleep,
      resolvePool: (target, operation) => this.resolvePool(runtime, target, operation),
      changed: () => this.scheduleSave(),
      statesOfKey: (keyId) => [...runtime.states.values()].filter((state) => state.keyId === keyId),
      observing: (type, severity) => {
        const sink = this.#sink;
        return sink !== undefined && !(sink instanceof NullObservability) && (sink.accepts?.(type, severity) ?? true);
      },
      keepsBodies: () => this.#sink?.keepsBodies?.() === true,
      budget: this.budgetLedger,
    });
    // Every capability some model offers gets a pool named by its alias, so poolStatus() shows it.
    for (const state of states.values()) {
      for (const capability of state.info.capabilities) {
        const alias = capability.split(".").at(-1)!;
        // A configured pool for the capability answers for it; a second, implicit one would only confuse.
        const configured = [...pools.values()].some((pool) => pool.capability === capability);
        if (!configured && !pools.has(alias) && !runtime.implicitPools.has(alias) && capabilities.isKnown(capability)) this.implicitPool(runtime, capability, alias);
      }
    }
    return runtime;
  }

  /**
   * The list of a provider that knows no model, read from its service (`GET /models`). One that cannot be read adds a
   * `model-list-failed` warning to `notices` and leaves the provider without models; start never fails for it.
   */
  private async listServiceModels(provider: Provider & ListableProvider, listed: Map<string, ModelInfo[]>, notices: MeshEvent[]): Promise<void> {
    try {
      listed.set(provider.id, await provider.fetchModelList!({ timeoutMs: SERVICE_MODEL_LIST_TIMEOUT_MS }));
    } catch (error) {
      const reason = `${error instanceof Error ? error.message : String(error)}; it serves no model until listed under "models:"`;
      notices.push({ type: "model-list-failed", severity: "warning", component: "provider", timestamp: this.now(), provider: provider.id, reason });
    }
  }

  /**
   * Each provider's list as the discovery connector reads it from its service (`_discoverProviderModels`), all at once,
   * each bounded by discovery's timeout. A list that cannot be read leaves the provider on its built-in list and adds a
   * `model-list-failed` warning to `notices`; start never fails for it. A connector without the method reads nothing.
   */
  private async discoverModels(discovery: BaseDiscovery, providers: Provider[], notices: MeshEvent[]): Promise<Map<string, ModelInfo[]>> {
    const listed = new Map<string, ModelInfo[]>();
    if (typeof discovery._discoverProviderModels !== "function") return listed;
    await Promise.all(
      providers
        .filter((provider) => typeof (provider as { fetchModelList?: unknown }).fetchModelList === "function")
        .map(async (provider) => {
          try {
            const models = await discovery._discoverProviderModels(provider as Provider & ListableProvider);
            // The catalogue's models keep their place ahead of the rest (a service lists alphabetically, and a pool
            // tries its members in order): the ones the catalogue ranks first stay first, additions come after.
            const rank = new Map(provider.listModels().map((model, index) => [model.id, index]));
            const place = (id: string) => rank.get(id) ?? rank.size;
            listed.set(provider.id, [...models].sort((left, right) => place(left.id) - place(right.id)));
          } catch (error) {
            const reason = `${error instanceof Error ? error.message : String(error)}; its built-in model list is used`;
            notices.push({ type: "model-list-failed", severity: "warning", component: "provider", timestamp: this.now(), provider: provider.id, reason });
          }
        }),
    );
    return listed;
  }

  private async buildProvider(spec: ProviderSpec): Promise<Provider> {
    if (spec.instance) return spec.instance as Provider;
    const { connector } = resolveConnector("provider", spec.connector, `${spec.path}.connector`);
    const meta = connector as unknown as { envVars?: readonly string[]; baseUrlEnvVar?: string; requiresApiKey?: boolean };
    const typo = providerKeyTypo(spec.config);
    if (typo) throw new ConfigError(`${spec.path}.config.${typo[0]}`, `unknown key for "${spec.connector}" (did you mean "${typo[1]}"?)`);
    const config: Record<string, unknown> = { ...spec.config, id: spec.name };
    if (this.#options.fetch && !config.fetch) config.fetch = this.#options.fetch;
    if (config.apiKey === undefined) {
      for (const key of meta.envVars ?? []) {
        if (await this.#secrets.has(key)) {
          config.apiKey = await this.#secrets.get(key);
          break;
        }
      }
    }
    if (config.baseUrl === undefined && meta.baseUrlEnvVar && (await this.#secrets.has(meta.baseUrlEnvVar))) config.baseUrl = await this.#secrets.get(meta.baseUrlEnvVar);
    if (!config.apiKey && meta.requiresApiKey !== false && (meta.envVars?.length ?? 0) > 0) {
      throw new ConfigError(`${spec.path}.config.api_key`, `provider "${spec.name}" has no API key: set ${meta.envVars!.join(" or ")} or config.api_key`);
    }
    if (typeof config.apiKey === "string") this.#providerKeys.add(config.apiKey);
    try {
      return new connector(config) as Provider;
    } catch (error) {
      if (error instanceof ModelMeshError) throw error;
      throw new ConfigError(spec.path, `cannot build provider "${spec.name}": ${(error as Error).message}`);
    }
  }

  #providerKeys = new Set<string>();
  // Sinks already given this mesh's secret values (a reconfigure rebuilds the fan-out with the same instances).
  #secretsGiven = new WeakSet<EventSink>();

  private discoveryPatterns(spec: ConnectorSpec | undefined): (modelId: string) => boolean {
    const include = ((spec?.config.includePatterns as string[] | undefined) ?? []).map(globToRegExp);
    const exclude = ((spec?.config.excludePatterns as string[] | undefined) ?? []).map(globToRegExp);
    return (modelId) => (include.length === 0 || include.some((pattern) => pattern.test(modelId))) && !exclude.some((pattern) => pattern.test(modelId));
  }

  private buildPolicy(settings: PoolSettings, path: string): BaseRotationPolicy {
    const strategy = settings.strategy;
    if (isRotationPolicy(strategy)) return strategy;
    if (typeof strategy !== "string") throw new ConfigError(path, "must be a strategy id, a short name, or an instance of BaseRotationPolicy");
    const { connector } = resolveConnector("rotation", strategy, path);
    checkStrategyKeys(connector, settings.strategyConfig, `${path}Config`);
    const policy = new connector({ failureThreshold: settings.deactivation.failureThreshold, ...settings.strategyConfig });
    if (!isRotationPolicy(policy)) throw new ConfigError(path, `"${strategy}" does not build a rotation policy (it has no pick())`);
    return policy;
  }

  private buildSink(specs: ConnectorSpec[]): EventSink {
    const sinks = specs.map((spec) => buildConnector<EventSink>("observability", spec)!).filter(Boolean);
    if (sinks.length === 0) return new NullObservability();
    const secretValues = () => [...this.#providerKeys, ...this.#runtime.secretValues, ...(this.#secrets.knownValues?.() ?? [])];
    // Scrubbed once, before any sink: every sink is given the mesh's secrets and trusts the copy made with them, so a
    // second sink costs no second scrub. A sink that keeps only a few values (Prometheus' labels) gets the event as
    // emitted and scrubs those; with only such sinks no copy is made at all.
    const redact = trackedRedactor(secretValues);
    for (const sink of sinks) {
      if (!redactsItself(sink)) continue;
      if (!this.#secretsGiven.has(sink)) sink.useSecretValues(secretValues);
      this.#secretsGiven.add(sink);
      trustRedactor(sink, redact);
    }
    const fanOut = new MultiSink(sinks, { redact, passRaw: scrubsWhatItKeeps });
    fanOut.useStatsSource(() => this.stats(), this.now);
    return fanOut;
  }

  /**
   * Pools' active and standby models, each limited budget's remaining spend, and totals: what the periodic `stats`
   * event carries and the Prometheus sink's gauges show.
   * @example
   * mesh.stats().pools["chat-completion"]; // { active: 3, standby: 1, total: 4 }
   */
  stats(): MeshStats {
    const usage = this.usageTracker.summary();
    const budgets: BudgetStats[] = [];
    for (const [budget, report] of Object.entries(this.budgetLedger.report())) {
      for (const period of ["daily", "monthly"] as const) {
        const { limit, spent, reserved, remaining } = report[period];
        if (limit !== null && remaining !== null) budgets.push({ budget, period, limit, spent, reserved, remaining });
      }
    }
    return { pools: this.poolStatus(), budgets, requests: usage.requests, totalTokens: usage.totalTokens, totalCost: usage.totalCost };
  }

  /**
   * `target` is a pool name, a capability alias or path, or a model id (`gpt-4o` or `openai/gpt-4o`).
   * Lookup is by canonical name and nothing is remembered for a name that serves nothing, so whatever callers send,
   * the pools (and with them `poolStatus()`, `describe()` and usage) stay bounded by the configuration.
   */
  private resolvePool(runtime: Runtime, target: string | undefined, operation: ProviderOperation): Pool {
    const name = target || OPERATION_DEFAULTS[operation];
    if (name.length > MAX_MODEL_NAME_LENGTH) {
      throw new InvalidRequestError(`model must be a pool, capability or model id of at most ${MAX_MODEL_NAME_LENGTH} characters (got ${name.length}: ${quoted(name)})`, "model");
    }
    const configured = runtime.pools.get(name) ?? runtime.implicitPools.get(name);
    if (configured) return this.checkKind(configured, name, operation);
    if (capabilities.isKnown(name)) {
      const path = resolveCapability(name);
      if (!servesOperation(path, operation)) throw wrongKind(name, path, operation);
      const byCapability = [...runtime.pools.values()].find((pool) => pool.capability === path);
      if (byCapability) return byCapability;
      // Every spelling of a capability ("chat-completion", its full path, a tail of it) shares one pool.
      const alias = path.split(".").at(-1)!;
      const existing = runtime.implicitPools.get(alias);
      if (existing?.capability === path) return existing;
      const members = [...runtime.states.values()].filter((state) => state.info.capabilities.some((item) => capabilityCovers(path, item)));
      if (members.length === 0) {
        throw new NoCapableModelError(name, `no configured model offers ${path} (pools: ${this.knownPools(runtime)})`);
      }
      return existing ? this.buildImplicitPool(path, path, members, runtime) : this.implicitPool(runtime, path, alias);
    }
    const members = [...runtime.states.values()].filter((state) => state.modelId === name || state.key === name);
    if (members.length > 0) {
      const serving = members.filter((state) => state.info.capabilities.some((item) => servesOperation(item, operation)));
      if (serving.length === 0) throw wrongKind(name, members[0]!.info.capabilities[0] ?? "no capability", operation);
      const capability = serving[0]!.info.capabilities.find((item) => servesOperation(item, operation))!;
      // A model asked for by id keeps the retry and recovery settings of the configured pool it is in.
      const home = [...runtime.pools.values()].find((pool) => pool.members.some((member) => serving.includes(member)));
      const settings = home?.settings ?? runtime.config.defaults;
      const pool = new Pool(name, capability, serving, this.buildPolicy(settings, home ? `pools.${home.name}.strategy` : "defaults.strategy"), settings, true);
      runtime.implicitPools.set(name, pool);
      return pool;
    }
    throw new NoCapableModelError(name.slice(0, MAX_MODEL_NAME_LENGTH), `${quoted(name)} is not a pool, a capability or a model id known to this mesh (pools: ${this.knownPools(runtime)})`);
  }

  /** A pool asked for by name must be of the request's kind: a chat request to an embeddings pool is refused. */
  private checkKind(pool: Pool, name: string, operation: ProviderOperation): Pool {
    if (servesOperation(pool.capability, operation)) return pool;
    // A model-id pool may list a model offering several kinds; only its capability for this pool was checked.
    throw wrongKind(name, pool.capability, operation);
  }

  private knownPools(runtime: Runtime): string {
    return [...runtime.pools.keys(), ...runtime.implicitPools.keys()].join(", ") || "none";
  }

  private buildImplicitPool(name: string, capability: string, members: ModelState[], runtime: Runtime): Pool {
    const pool = new Pool(name, capability, members, this.buildPolicy(runtime.config.defaults, "defaults.strategy"), runtime.config.defaults, true);
    runtime.implicitPools.set(name, pool);
    return pool;
  }

  private implicitPool(runtime: Runtime, capability: string, name: string): Pool {
    const members = [...runtime.states.values()].filter((state) => state.info.capabilities.some((item) => capabilityCovers(capability, item)));
    return this.buildImplicitPool(name, capability, members, runtime);
  }

  get router(): Router {
    return this.#runtime.router;
  }

  /** Pools by name: configured ones and one per capability that some model offers. */
  pools(): Map<string, Pool> {
    return new Map([...this.#runtime.implicitPools, ...this.#runtime.pools]);
  }

  poolStatus(): Record<string, { active: number; standby: number; total: number }> {
    const now = this.now();
    return Object.fromEntries([...this.pools()].map(([name, pool]) => [name, this.#status(pool, now)]));
  }

  /**
   * True when the pool's strategy would pick `state` now. With `on_budget_exceeded: rotate`, a model whose own (or
   * its provider's) budget is spent is skipped until the period ends: out of the rotation, as a deactivated model.
   */
  #available(pool: Pool, state: ModelState, now: number): boolean {
    if (!pool.policy.isAvailable(state, now)) return false;
    return !(pool.settings.onBudgetExceeded === "rotate" && this.budgetLedger.active && this.budgetLedger.spent(state));
  }

  #status(pool: Pool, now: number): { active: number; standby: number; total: number } {
    const active = pool.members.filter((state) => this.#available(pool, state, now)).length;
    return { active, standby: pool.members.length - active, total: pool.members.length };
  }

  /**
   * Throws `InvalidRequestError` for a request no service could take (see `core/request-checks.ts`). The client calls
   * it before routing; it is here rather than in the client so a web page loads it with the mesh, not up front.
   * @example
   * mesh.checkRequest("chat", body, DEFAULT_REQUEST_LIMITS);
   */
  checkRequest(operation: ProviderOperation, body: unknown, limits: RequestLimits, json = true): asserts body is Record<string, unknown> {
    checkRequest(operation, body, limits, json);
  }

  /** What the client throws for a failed request (see caller-error.ts): every attempt rate limited is one RateLimitError. */
  callerError(error: unknown): unknown {
    return callerError(error);
  }

  /**
   * What a request needs from a model (`features.ts`), worked out here so the client's code that pages load up front
   * does not carry it.
   */
  chatFeatures(body: ChatCompletionCreateParams): RequestFeatures {
    return chatFeatures(body);
  }

  /** As `chatFeatures`, for the other operations: only the operation and the input's size. */
  simpleFeatures(operation: ProviderOperation, input: unknown): RequestFeatures {
    return simpleFeatures(operation, input);
  }

  /** Routes a streaming chat request: its `MeshStream` once the first chunk has arrived (`chat-stream-open.ts`). */
  openChatStream(target: string, body: ChatCompletionCreateParams, features: RequestFeatures, options: RequestOptions): Promise<MeshStream<ChatCompletionChunk>> {
    return openChatStream(this.router, target, body, features, options);
  }

  /** Runs one `chat.completions.parse()`: checks the request, lets `create` answer it, parses the answer (`chat-parse.ts`). */
  async parseChat(body: ChatCompletionRequest, create: () => Promise<ChatCompletion>): Promise<ChatCompletion> {
    checkParseRequest(body);
    return parseCompletion(body, await create());
  }

  /** Runs one `chat.completions.runTools()` (`tool-runner.ts`): each answer through `create`, or streamed by `open`. */
  runTools(host: ToolRunnerHost, body: ChatCompletionRequest, options: { maxChatCompletions?: number }, create: (request: Record<string, unknown>, signal: AbortSignal) => Promise<ChatCompletion>, open?: OpenTurnStream): Promise<ToolRunnerOutcome> {
    return runToolsOf(host, body, options, create, open);
  }

  /** Runs one `chat.completions.stream()` (here, so a page loads the helper's work with the mesh, not up front). */
  chatStreamRun(host: ChatStreamHost, open: (signal: AbortSignal) => Promise<AsyncIterable<ChatCompletionChunk>>): ChatStreamRun {
    return new ChatStreamRun(host, open);
  }

  describe() {
    const now = this.now();
    return {
      providers: [...this.#runtime.providers.values()].map((provider) => ({ id: provider.id, connector: provider.connectorId, models: (this.#runtime.listed.get(provider.id) ?? provider.listModels()).length })),
      pools: Object.fromEntries(
        [...this.pools()].map(([name, pool]) => [
          name,
          {
            capability: pool.capability,
            strategy: pool.policy.id,
            configured: !pool.implicit,
            ...this.#status(pool, now),
            models: pool.members.map((state) => ({
              model: state.modelId,
              provider: state.providerId,
              status: state.status,
              available: this.#available(pool, state, now),
              ...(state.status === "cooldown" ? { cooldownUntil: new Date(state.cooldownUntil).toISOString() } : {}),
              requests: state.totalRequests,
              failures: state.totalFailures,
              consecutiveFailures: state.consecutiveFailures,
              latencyMs: state.latencyMs === undefined ? null : Math.round(state.latencyMs),
              cost: state.totalCost,
              ...(state.lastError ? { lastError: state.lastError.message } : {}),
            })),
          },
        ]),
      ),
    };
  }

  /**
   * OpenAI's model objects for what this mesh serves: every configured pool, every capability its models offer, every
   * model (see `core/model-list.ts`). `created` is when the mesh started.
   * @example
   * for await (const model of mesh.listModels()) console.log(model.id, model.owned_by);
   */
  listModels(): ModelsPage {
    return new ModelsPage(modelList(this.#served(), Math.floor(this.#startedAt / 1000)));
  }

  /** What the mesh serves, for the model list: pools, the models' capabilities, each model with its provider. */
  #served(): Served {
    const runtime = this.#runtime;
    const states = [...runtime.states.values()];
    return { pools: [...runtime.pools.keys()], capabilities: new Set(states.flatMap((state) => state.info.capabilities)), models: states.map((state) => ({ model: state.modelId, provider: state.providerId })) };
  }

  /**
   * One model object by any name a request may use for what the mesh serves (a pool, a capability by its short name
   * or full path, a model id, `provider/model`); `InvalidRequestError` with code `model_not_found` otherwise.
   * @example
   * const pool = mesh.retrieveModel("chat-completion"); // { id: "chat-completion", object: "model", owned_by: "modelmesh", ... }
   */
  retrieveModel(id: string): Model {
    const found = findModel(this.#served(), Math.floor(this.#startedAt / 1000), id);
    if (found) return found;
    throw new InvalidRequestError(`The model '${String(id).slice(0, 256)}' does not exist (models.list() gives the names this mesh serves)`, "model", { code: "model_not_found" });
  }

  /** Puts models (all, or the given `provider/model` keys) back in service: clears cooldowns, failures and disabled keys. */
  resetState(keys?: string[]): void {
    for (const state of this.#runtime.states.values()) {
      if (keys && !keys.includes(state.key)) continue;
      Object.assign(state, { status: "active", cooldownUntil: 0, cooldownMs: 0, probing: false, consecutiveFailures: 0 });
    }
    this.scheduleSave();
  }

  get usage(): UsageSummary {
    return { ...this.usageTracker.summary(), budgets: this.budgetLedger.report() };
  }

  /** The storage connector in use (the proxy shares its rate limits through it when it is Redis). */
  get storage(): BaseStorage {
    return this.#storage;
  }

  /** The resolved configuration in force (the proxy reads its `proxy` section from it). */
  get config(): ResolvedConfig {
    return this.#runtime.config;
  }

  /**
   * Applies a new configuration atomically: everything is built first, and only a complete build
   * replaces the old one. Requests already running finish on the old configuration.
   * @returns the errors; empty when the new configuration is in force.
   */
  async reconfigure(source: string | MeshConfigObject | MeshConfig): Promise<string[]> {
    // Not started: there is nothing to swap (and no sink to tell); initialize() starts it.
    if (this.#current === undefined) return [this.notStarted().message];
    try {
      const config = applyOptions(resolveConfig(await (this.constructor as typeof ModelMesh).readConfig(configSource(source))), this.#options);
      await loadConnectors(config);
      // Secrets are re-resolved (the FAQ): the `secrets:` section is built anew, and a store given as an instance reads
      // its source again with no cached value reused. The store in force comes back if the new configuration fails.
      const previousSecrets = this.#secrets;
      const secrets = buildSecretStore(config.secrets) as SecretStore & { reload?: () => void; clearCache?: () => void; open?: () => Promise<void> };
      if (secrets === previousSecrets && secrets.reload) secrets.reload();
      else if (secrets === previousSecrets) secrets.clearCache?.();
      await secrets.open?.();
      this.#secrets = secrets;
      let runtime: Runtime;
      try {
        runtime = await this.buildRuntime(config, this.#runtime);
      } catch (error) {
        this.#secrets = previousSecrets;
        throw error;
      }
      this.#runtime = runtime;
      this.budgetLedger.configure(runtime.budgets);
      this.startHealthMonitor();
      for (const notice of runtime.notices) this.#sink.emit(notice);
      this.#sink.emit({ type: "config-reloaded", severity: "info", component: "mesh", timestamp: this.now(), pools: [...runtime.pools.keys()] });
      this.scheduleSave();
      return [];
    } catch (error) {
      return [error instanceof Error ? error.message : String(error)];
    }
  }

  private scheduleSave(): void {
    if (this.#saveTimer || this.#closed) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      void this.save();
    }, this.#options.persistDelayMs ?? 1000);
    // A pending write must not keep a Node process alive.
    (this.#saveTimer as { unref?: () => void }).unref?.();
  }

  /** Writes model state, usage and strategy state to storage now. */
  async save(): Promise<void> {
    // Shared usage first, so the saved state holds every process's totals.
    await this.#usageSharing?.sync().catch(() => undefined);
    const snapshot: PersistedState = {
      version: 1,
      models: Object.fromEntries([...this.#runtime.states].map(([key, state]) => [key, pickPersisted(state)])),
      usage: this.usageTracker.summary(),
      strategies: Object.fromEntries([...this.#runtime.pools].map(([name, pool]) => [name, pool.policy.snapshot()])),
      budgets: this.budgetLedger.snapshot(),
    };
    // After the previous write, whether it failed or not: a failure must not make this write a silent no-op.
    const write = () => Promise.all([this.#storage.save(STATE_KEY, { key: STATE_KEY, data: snapshot, updatedAt: this.now() } as never), this.budgetLedger.flush()]).then(() => undefined);
    this.#saving = this.#saving.then(write, write);
    try {
      await this.#saving;
      this.#sink.emit({ type: "state-saved", severity: "debug", component: "storage", timestamp: this.now(), models: this.#runtime.states.size });
    } catch (error) {
      this.#sink.emit({ type: "state-saved", severity: "error", component: "storage", timestamp: this.now(), models: 0, error: (error as Error).message });
    }
  }

  private async restore(): Promise<void> {
    let entry: { data?: PersistedState } | null;
    try {
      entry = (await this.#storage.load(STATE_KEY)) as { data?: PersistedState } | null;
    } catch (error) {
      // Unreadable saved state must not keep the mesh from starting: start fresh and say so.
      this.#sink.emit({ type: "state-restored", severity: "error", component: "storage", timestamp: this.now(), models: 0, error: (error as Error).message });
      return;
    }
    const saved = entry?.data;
    if (!saved || saved.version !== 1) return;
    for (const [key, fields] of Object.entries(saved.models ?? {})) {
      const state = this.#runtime.states.get(key);
      if (!state) continue;
      // A key that changed since the save gets a fresh start: its old rejection says nothing about it.
      if (fields.keyId !== state.keyId && fields.status === "disabled") continue;
      Object.assign(state, pickPersisted(fields as ModelState));
    }
    this.usageTracker.restore(saved.usage);
    this.budgetLedger.restore(saved.budgets);
    for (const [name, snapshot] of Object.entries(saved.strategies ?? {})) {
      if (snapshot !== undefined) this.#runtime.pools.get(name)?.policy.restore(snapshot);
    }
    this.#sink.emit({ type: "state-restored", severity: "info", component: "storage", timestamp: this.now(), models: Object.keys(saved.models ?? {}).length });
  }

  /** Flushes state and observability, stops timers. */
  /**
   * Starts the discovery connector's health checks when it has them (`modelmesh.health-monitor.v1`): a provider whose
   * probe fails has its active models cooled down until the next round, and a later successful probe brings back
   * the models the monitor took out (never ones the router cooled down for their own failures).
   */
  private startHealthMonitor(): void {
    this.#stopMonitor?.();
    this.#stopMonitor = undefined;
    const discovery = this.#runtime.discovery as (BaseDiscovery & { monitor?: (targets: HealthTarget[], report: HealthReport) => () => void; intervalMs?: number; timeoutMs?: number }) | undefined;
    if (!discovery?.monitor) return;
    const targets: HealthTarget[] = [];
    for (const provider of this.#runtime.providers.values()) {
      const list = (provider as { fetchModelList?: (options: { signal: AbortSignal }) => Promise<unknown> }).fetchModelList;
      if (typeof list === "function") targets.push({ id: provider.id, probe: (signal) => list.call(provider, { signal }) });
    }
    const intervalMs = discovery.intervalMs ?? 60_000;
    // The next round reports at most one interval plus one probe timeout later; a second interval covers a late timer.
    const restMs = 2 * intervalMs + (discovery.timeoutMs ?? 5_000);
    this.#stopMonitor = discovery.monitor(targets, (providerId, healthy, error) => {
      if (this.#closed) return;
      const now = this.now();
      for (const state of this.#runtime.states.values()) {
        if (state.providerId !== providerId) continue;
        // A model the monitor took out stays out while its probes keep failing: each failed round extends the rest
        // past the next round's report, so a slow round never lets a caller's request through to a provider known down.
        if (!healthy && state.status === "cooldown" && this.#monitorDown.has(state.key)) {
          state.cooldownUntil = Math.max(state.cooldownUntil, now + restMs);
        } else if (!healthy && state.status === "active") {
          state.status = "cooldown";
          state.cooldownUntil = now + restMs;
          this.#monitorDown.add(state.key);
          const reason = `health probe failed: ${error instanceof Error ? error.message : String(error)}`;
          this.#sink.emit({ type: "model-deactivated", severity: "warning", component: "pool", timestamp: now, provider: state.providerId, model: state.modelId, reason, cooldownUntil: state.cooldownUntil });
        } else if (healthy && this.#monitorDown.delete(state.key) && state.status === "cooldown") {
          state.status = "active";
          state.cooldownUntil = 0;
          this.#sink.emit({ type: "model-recovered", severity: "info", component: "pool", timestamp: now, provider: state.providerId, model: state.modelId });
        }
      }
      this.scheduleSave();
    });
  }

  /**
   * Waits up to `timeoutMs` (default 10 s) for the requests still running, so their usage and spend are in the state
   * it then writes; flushes and closes observability, storage and providers. A second call waits for the first.
   */
  close(options: CloseOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? CLOSE_WAIT_MS;
    if (!(typeof timeoutMs === "number" && timeoutMs >= 0 && timeoutMs <= MAX_CLOSE_WAIT_MS)) {
      return Promise.reject(new InvalidRequestError(`the timeoutMs option of close() must be a number of milliseconds from 0 to ${MAX_CLOSE_WAIT_MS}, got ${String(timeoutMs)}`, "timeoutMs"));
    }
    this.#closing ??= this.#close(timeoutMs);
    return this.#closing;
  }

  async #close(timeoutMs: number): Promise<void> {
    if (this.#closed) return;
    // A mesh still initializing is closed once started; one never started (or whose start failed) has nothing to write.
    await this.#starting?.catch(() => undefined);
    if (this.#current === undefined) {
      this.#closed = true;
      return;
    }
    if (timeoutMs > 0) await this.#inFlight.whenIdle(timeoutMs);
    this.#stopMonitor?.();
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    this.#sharing?.stop();
    this.#usageSharing?.stop();
    await this.save();
    this.#closed = true;
    // Releases files and databases (node-sqlite3-wasm leaks without it); backends reopen if used again.
    await this.#storage.close?.();
    await this.#sink.flush?.();
    await this.#sink.close?.();
    await Promise.all([...this.#runtime.providers.values()].map((provider) => provider.close?.()));
  }
}

/** The keys every provider takes (camelCase; `createBaseProviderConfig`), which a misspelling is measured against. */
const PROVIDER_KEYS = ["baseUrl", "apiKey", "timeoutMs", "headers", "models", "proxyUrl"];

/**
 * A provider's config key that is none of the common keys but a misspelling of one (`apiKye`, `baseURL`, `timeout`,
 * `header`, `model`), as `[given, meant]`. A provider copies its whole config, so unlike other connectors its reads
 * cannot be watched; a key far from every common one (a connector's own: `region`, `appName`) is not judged.
 */
function providerKeyTypo(config: Record<string, unknown>): [string, string] | undefined {
  for (const key of Object.keys(config)) {
    if (PROVIDER_KEYS.includes(key)) continue;
    const meant = PROVIDER_KEYS.find((candidate) => distance(key, candidate) <= (Math.min(key.length, candidate.length) <= 4 ? 1 : 2));
    if (meant !== undefined) return [key, meant];
  }
  return undefined;
}

/** Every budget of a configuration, by owner (providers by name, models by `provider/model`, pools by name). */
function budgetPlan(config: ResolvedConfig, providerSpecs: readonly ProviderSpec[]): BudgetPlan {
  const providers = new Map<string, BudgetLimits>();
  const models = new Map<string, BudgetLimits>();
  for (const spec of providerSpecs) {
    if (spec.budget) providers.set(spec.name, spec.budget);
    for (const [modelId, limits] of Object.entries(spec.modelBudgets ?? {})) models.set(`${spec.name}/${modelId}`, limits);
  }
  const pools = new Map<string, BudgetLimits>();
  for (const spec of config.pools) if (spec.budget) pools.set(spec.name, spec.budget);
  return { ...(config.budget ? { global: config.budget } : {}), providers, models, pools };
}

/** How long a service may take to list its models at start, for a provider configured without any. */
const SERVICE_MODEL_LIST_TIMEOUT_MS = 10_000;

function isListable(provider: Provider): boolean {
  return typeof (provider as { fetchModelList?: unknown }).fetchModelList === "function";
}
