import { IndexedDBStorage, ModelMeshError, create, type MeshClient } from "modelmesh/static";
import type { KeyVault } from "./key-vault.ts";
import { RequestTracker } from "./request-tracker.ts";

/**
 * Options of the worker's mesh.
 * @example
 * new MeshRuntime({ vault, meshConfig: async () => buildMeshConfig(...), stateDatabase: "modelmesh-state" });
 */
export interface MeshRuntimeOptions {
  vault: KeyVault;
  /** The configuration to run (see `buildMeshConfig`), read again on every (re)start. */
  meshConfig: () => Promise<Record<string, unknown>>;
  /** IndexedDB database of the mesh's state (model health, usage, budget spend). */
  stateDatabase: string;
  fetch?: typeof fetch;
  /** How long model-health changes may wait before they are written (default 250 ms); spend is written by `persist()`. */
  persistDelayMs?: number;
}

/**
 * The worker's one mesh. Built on first use from the stored configuration, the vault and the state in IndexedDB,
 * so a worker Chrome stopped comes back with the spend it had; `reload()` applies new configuration, keys or site
 * budgets without losing counters (`reconfigure` keeps them).
 * @example
 * const client = await runtime.client();
 * await client.chat.completions.create(body, { scope: "site:https://example.com" });
 * await runtime.persist();
 */
export class MeshRuntime {
  readonly tracker = new RequestTracker();
  #client: Promise<MeshClient> | undefined;

  constructor(private readonly options: MeshRuntimeOptions) {}

  /** The running client; starts it when there is none (or the last start failed). Rejects with the start error. */
  client(): Promise<MeshClient> {
    this.#client ??= this.start().catch((error: unknown) => {
      this.#client = undefined;
      throw error;
    });
    return this.#client;
  }

  /** The client if it is running, without starting one. */
  async running(): Promise<MeshClient | undefined> {
    return this.#client?.catch(() => undefined);
  }

  /** Applies the current configuration; returns the errors (then the previous configuration stays in force). */
  async reload(config?: Record<string, unknown>): Promise<string[]> {
    const next = config ?? (await this.options.meshConfig());
    const running = await this.running();
    if (!running) {
      try {
        await this.client();
        return [];
      } catch (error) {
        return [describe(error)];
      }
    }
    return running.mesh.reconfigure(next);
  }

  /** Writes state (spend, budgets, model health) now: called before a request is reported done. */
  async persist(): Promise<void> {
    const running = await this.running();
    await running?.mesh.save();
  }

  private async start(): Promise<MeshClient> {
    const config = await this.options.meshConfig();
    const client = create({
      config,
      secrets: { instance: this.options.vault.store },
      storage: { instance: new IndexedDBStorage({ database: this.options.stateDatabase }) },
      observability: { instance: this.tracker.sink },
      middleware: [this.tracker.middleware],
      // Spend is also saved before each request is reported done (persist()); this only batches health updates.
      persistDelayMs: this.options.persistDelayMs ?? 250,
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
    });
    await client.ready();
    return client;
  }
}

/** A start or reconfigure failure as one line. */
export function describe(error: unknown): string {
  if (error instanceof ModelMeshError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
