import { ModelMeshError } from "../core/errors.js";
import { ModelMesh, type CreateOptions } from "../core/mesh.js";
import { chatFeatures, simpleFeatures } from "../core/pool.js";
import { capabilities } from "../core/capabilities.js";
import type { UsageSummary } from "../core/usage.js";
import type { ResolvedConfig } from "../core/config.js";
import type { ClientContext } from "./context.js";
import { ChatCompletions } from "./chat-completions.js";
import { Embeddings } from "./embeddings.js";
import { Speech } from "./audio-speech.js";
import { Transcriptions } from "./audio-transcriptions.js";
import { Images } from "./images.js";
import { resolveRequestLimits } from "./validate.js";

type Operation = Parameters<ClientContext["defaultTarget"]>[0];

/** Which operation a capability is for, so `create("text-embeddings")` sets the embeddings default. */
function operationOf(capability: string): Operation {
  const path = capabilities.isKnown(capability) ? capabilities.resolve(capability) : capability;
  if (path.startsWith("representation.embeddings")) return "embeddings";
  if (path.endsWith("text-to-speech")) return "speech";
  if (path.endsWith("speech-to-text")) return "transcription";
  if (path.startsWith("generation.image-generation")) return "images";
  return "chat";
}

/**
 * A client with the official OpenAI SDK's call shape, backed by a ModelMesh. Made by `create()`.
 * The mesh starts in the background; every call waits for it, and `ready()` lets you wait first.
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
  #mesh: ModelMesh | undefined;
  #error: unknown;
  #starting: Promise<ModelMesh>;
  #capability: string | undefined;

  constructor(capability: string | undefined, options: CreateOptions = {}) {
    this.#capability = capability;
    // Object and JSON configuration is checked now, so a typo fails at create(), not at the first call.
    const validated: ResolvedConfig | undefined = ModelMesh.validate(options);
    const limits = resolveRequestLimits(options.limits);
    this.#starting = ModelMesh.start(options, validated).then(
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
      defaultTarget: (operation) => (this.#capability && operationOf(this.#capability) === operation ? this.#capability : undefined),
      limits,
    };
    this.chat = { completions: new ChatCompletions(context) };
    this.embeddings = new Embeddings(context);
    this.audio = { speech: new Speech(context), transcriptions: new Transcriptions(context) };
    this.images = new Images(context);
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

  /** `{ [pool]: { active, standby, total } }`. */
  poolStatus(): Record<string, { active: number; standby: number; total: number }> {
    return this.started().poolStatus();
  }

  /** Providers, pools, their strategies and every model's state, as a plain object. */
  describe(): ReturnType<ModelMesh["describe"]> {
    return this.started().describe();
  }

  /** Which model a request for `model` would go to now, and why. Sends nothing. */
  explain(request: { model?: string; messages?: unknown[]; tools?: unknown[]; user?: string; session?: string } = {}) {
    const mesh = this.started();
    const target = request.model || this.#capability || "chat-completion";
    const operation = operationOf(target);
    const features =
      operation === "chat"
        ? chatFeatures({ model: target, messages: (request.messages ?? []) as never, ...(request.tools ? { tools: request.tools as never } : {}) })
        : simpleFeatures(operation, "");
    return mesh.router.explain(target, features, request, request.session ?? request.user);
  }

  /** Requests, tokens and cost per model, provider and pool (restored across restarts with storage). */
  get usage(): UsageSummary {
    return this.#mesh?.usage ?? { totalCost: 0, totalTokens: 0, requests: 0, byModel: {}, byProvider: {}, byPool: {} };
  }

  /** Writes state to storage, flushes observability and stops timers. */
  async close(): Promise<void> {
    const mesh = await this.#starting.catch(() => undefined);
    await mesh?.close();
  }

  private started(): ModelMesh {
    if (this.#mesh) return this.#mesh;
    if (this.#error) throw this.#error;
    throw new ModelMeshError("the mesh is still starting (loading configuration, secrets and saved state): await client.ready() first", { code: "not_ready" });
  }
}
