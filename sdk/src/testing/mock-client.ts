import { MeshClient } from "../client/mesh-client.js";
import { BUILTIN_MESH_SETUP } from "../client/create.js";
import { AllProvidersExhaustedError } from "../wire/errors.js";
import type { CreateOptions } from "../core/mesh.js";
import { MockProvider, type MockResponse, type RecordedCall } from "./mock-provider.js";
import { withRawResponse } from "../client/raw-response.js";

export interface MockClientOptions {
  /** Answers in order, one per call; a plain string is `{ content }`. */
  responses?: Array<MockResponse | string>;
  /** Model ids the mock pool holds (default ["mock-model"]). */
  models?: string[];
  middleware?: CreateOptions["middleware"];
  strategy?: CreateOptions["strategy"];
}

/** The pool a mock client's chat models form. */
const MOCK_POOL = "mock-pool";

/**
 * A single scripted failure reaches the caller as the error that was scripted, whatever its class: a test that
 * scripts `new AuthenticationError(...)` catches an AuthenticationError, not the router's summary of one attempt.
 */
function scriptedError(error: unknown): never {
  if (error instanceof AllProvidersExhaustedError && error.attempts === 1) throw error.errors[0];
  throw error;
}

/**
 * A MeshClient whose provider is scripted. `calls` holds every request as the caller made it (`calls[0].model` is
 * what the caller asked for, e.g. "chat-completion"); `provider.calls` holds what the router sent on (the model it
 * picked).
 */
export class MockMeshClient extends MeshClient {
  readonly provider: MockProvider;
  readonly #calls: RecordedCall[] = [];
  constructor(options: MockClientOptions) {
    const provider = new MockProvider({ responses: options.responses, models: options.models });
    super("chat-completion", {
      providers: [{ instance: provider }],
      middleware: options.middleware,
      strategy: options.strategy,
      // Scripted failures surface at once: no backoff waits and no extra rounds in unit tests. The chat models form
      // the pool "mock-pool" (`poolStatus()["mock-pool"]`), which "chat-completion" also names.
      config: { defaults: { retry: { maxRetries: 0 } }, pools: { [MOCK_POOL]: { capability: "chat-completion" } } },
      clock: { sleep: async () => {} },
    }, BUILTIN_MESH_SETUP);
    this.provider = provider;
    // Each call starts with the mock models healthy, so a scripted error shapes only its own call.
    // (To test cooldowns and recovery, put a MockProvider in a real create() instead.)
    const fresh = async () => {
      await this.ready();
      this.mesh.resetState();
    };
    // Code under test names its own pools and models ("my-pool", "gpt-4o"): a mock serves them all from its script,
    // while `calls` keeps the name as the caller gave it. A name the mesh knows (a model id, "text-embeddings") is
    // routed as given.
    const routed = <T extends { model?: unknown }>(body: T, fallback: string): T => {
      const model = (body as { model?: unknown } | undefined)?.model;
      return typeof model !== "string" || model === "" || this.#knows(model) ? body : { ...body, model: fallback };
    };
    const chat = this.chat.completions;
    const chatCreate = chat.create.bind(chat);
    // A copy of the caller's body, so later changes by the caller (or by middleware) do not rewrite history.
    const record = (operation: RecordedCall["operation"], body: unknown) => {
      let copy: Record<string, unknown>;
      try {
        copy = structuredClone(body) as Record<string, unknown>;
      } catch {
        copy = { ...(body as Record<string, unknown>) };
      }
      this.#calls.push({ ...copy, operation });
    };
    // Wrapped again in `withRawResponse`, so `asResponse()` and `withResponse()` work on a mock client's calls too.
    chat.create = ((body: Parameters<typeof chatCreate>[0], requestOptions?: Parameters<typeof chatCreate>[1]) =>
      withRawResponse(
        (async () => {
          record("chat", body);
          await fresh();
          return chatCreate(routed(body, MOCK_POOL), requestOptions).catch(scriptedError);
        })(),
      )) as typeof chat.create;
    const embeddingsCreate = this.embeddings.create.bind(this.embeddings);
    this.embeddings.create = ((body: Parameters<typeof embeddingsCreate>[0], requestOptions?: Parameters<typeof embeddingsCreate>[1]) =>
      withRawResponse(
        (async () => {
          record("embeddings", body);
          await fresh();
          return embeddingsCreate(routed(body, "text-embeddings"), requestOptions).catch(scriptedError);
        })(),
      )) as typeof this.embeddings.create;
  }

  /** As the real client's, for any name the mock serves (`explain({ model: "my-pool" })` explains the mock's pool). */
  override explain(request: Parameters<MeshClient["explain"]>[0] = {}): ReturnType<MeshClient["explain"]> {
    const model = request.model;
    if (!model || this.state !== "ready" || this.#knows(model)) return super.explain(request);
    return super.explain({ ...request, model: MOCK_POOL });
  }

  /** Whether the mesh routes `model` as given (a model id, a capability, a pool); else the mock's pool serves it. */
  #knows(model: string): boolean {
    try {
      this.mesh.retrieveModel(model);
      return true;
    } catch {
      return false;
    }
  }

  /** Every request the caller made, in order and as made: `calls[0].model`, `calls[0].messages[0].content`. */
  get calls(): RecordedCall[] {
    return this.#calls;
  }
}

/**
 * A client with the real client's surface (chat, streaming, embeddings, poolStatus, usage...) that
 * answers from a script, with no network. Routing, middleware and errors behave as in production.
 * @example
 * const client = mockClient({ responses: [{ content: "Hello!", model: "gpt-4o", tokens: 10 }] });
 * const response = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
 * expect(response.choices[0].message.content).toBe("Hello!");
 * expect(client.calls.length).toBe(1);
 */
export function mockClient(options: MockClientOptions = {}): MockMeshClient {
  return new MockMeshClient(options);
}
