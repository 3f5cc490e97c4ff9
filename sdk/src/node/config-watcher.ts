import { ConfigError } from "../wire/error-base.js";
import type { MeshConfigObject } from "../core/config.js";
import { parseConfigText } from "../core/config-load.js";
import { loadFileSystem } from "./node-modules.js";

/**
 * What a ConfigWatcher reconfigures: a `ModelMesh` (`client.mesh`), or anything with its `reconfigure`.
 * @example
 * const target: Reconfigurable = client.mesh;
 */
export interface Reconfigurable {
  reconfigure(source: MeshConfigObject): Promise<string[]>;
}

/**
 * A client made by `create()`: the watcher waits for it to be ready, then reconfigures its mesh.
 * @example
 * const target: ReconfigurableClient = create({ config: "modelmesh.yaml" });
 */
export interface ReconfigurableClient {
  ready(): Promise<unknown>;
  readonly mesh: Reconfigurable;
}

/**
 * Options of `ConfigWatcher`.
 * @example
 * const options: ConfigWatcherOptions = { intervalMs: 5_000 };
 */
export interface ConfigWatcherOptions {
  /** How often the file is read and compared with the configuration in force, in ms (default 5 000, minimum 10). */
  intervalMs?: number;
  /** The same, as YAML spells it. */
  interval_ms?: number;
  /** The same in seconds, as the FAQ's Python `ConfigWatcher(path, mesh, interval=5.0)`. */
  interval?: number;
}

/**
 * `config-reloaded`: the file's new content is in force. `error`: it was not applied (unreadable, not YAML/JSON,
 * or refused by `reconfigure`); the previous configuration stays in force.
 * @example
 * watcher.on("error", (event) => console.error(event.errors));
 */
export type ConfigWatcherEvent =
  | { type: "config-reloaded"; path: string; timestamp: number }
  | { type: "error"; path: string; timestamp: number; errors: string[] };

type Listener<Type extends ConfigWatcherEvent["type"]> = (event: Extract<ConfigWatcherEvent, { type: Type }>) => void;

const DEFAULT_INTERVAL_MS = 5_000;

const INTERVAL_KEYS = ["intervalMs", "interval_ms", "interval"] as const;

/**
 * The polling period in ms from whichever spelling was given (one only): a key not understood, or two that could
 * disagree, is a ConfigError rather than a watcher that silently polls every 5 s.
 * @example
 * intervalOf({ interval: 0.5 }); // 500
 */
function intervalOf(options: ConfigWatcherOptions): number {
  const unknown = Object.keys(options).find((key) => !(INTERVAL_KEYS as readonly string[]).includes(key));
  if (unknown !== undefined) throw new ConfigError(unknown, `unknown ConfigWatcher option (expected one of: ${INTERVAL_KEYS.join(", ")})`);
  const given = INTERVAL_KEYS.filter((key) => options[key] !== undefined);
  if (given.length > 1) throw new ConfigError(given[1]!, `given together with "${given[0]}"; give the interval once`);
  const key = given[0];
  if (key === undefined) return DEFAULT_INTERVAL_MS;
  const value = options[key];
  const intervalMs = key === "interval" && typeof value === "number" ? value * 1000 : value;
  if (typeof intervalMs !== "number" || !Number.isFinite(intervalMs) || intervalMs < 10) {
    throw new ConfigError(key, `must be a number of ${key === "interval" ? "seconds of at least 0.01" : "milliseconds of at least 10"} (got ${String(value)})`);
  }
  return intervalMs;
}

function isClient(target: Reconfigurable | ReconfigurableClient): target is ReconfigurableClient {
  return typeof (target as ReconfigurableClient).ready === "function" && typeof (target as Reconfigurable).reconfigure !== "function";
}

/**
 * Reloads a mesh's configuration when its YAML or JSON file changes (Node only, from `modelmesh/node`): every
 * `intervalMs` the file is read and, when its content differs from the last content seen, parsed and handed to
 * `mesh.reconfigure()`, which is atomic: requests already running (streams included) finish on the old
 * configuration, new ones use the new one, budgets and usage carry over, and a configuration that fails to build
 * leaves the old one in force. Each outcome is an event (`config-reloaded`, or `error` with the messages; with no
 * `error` listener a one-line warning without the file's content goes to the console). Content is compared rather than
 * timestamps, so two saves within one second are both seen; a broken file is reported once, not on every tick.
 * @example
 * import { create } from "modelmesh";
 * import { ConfigWatcher } from "modelmesh/node";
 * const client = create({ config: "modelmesh.yaml" });
 * const watcher = new ConfigWatcher("modelmesh.yaml", client, { intervalMs: 5_000 }); // or a ModelMesh: client.mesh
 * watcher.on("error", ({ errors }) => console.error("reload failed", errors));
 * await watcher.start();
 * // Edit modelmesh.yaml while running: changes apply within 5 seconds. On shutdown:
 * watcher.stop();
 */
export class ConfigWatcher {
  readonly path: string;
  readonly intervalMs: number;
  readonly #target: Reconfigurable | ReconfigurableClient;
  readonly #listeners = new Map<ConfigWatcherEvent["type"], Set<(event: ConfigWatcherEvent) => void>>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #seen: string | undefined;
  #running: Promise<string[]> | undefined;
  #lastFailure: string | undefined;

  constructor(path: string, mesh: Reconfigurable | ReconfigurableClient, options: ConfigWatcherOptions = {}) {
    if (typeof path !== "string" || path === "") throw new ConfigError("", "ConfigWatcher needs the path of the configuration file");
    if (!mesh || (typeof (mesh as Reconfigurable).reconfigure !== "function" && !isClient(mesh))) {
      throw new ConfigError("", "ConfigWatcher needs a mesh (client.mesh, or the client create() returned)");
    }
    this.path = path;
    this.intervalMs = intervalOf(options ?? {});
    this.#target = mesh;
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /**
   * Starts watching. The file's content now is taken as the configuration in force (the one the mesh was started
   * with); only later changes are applied. Resolves once that content is read (a missing file rejects).
   */
  async start(): Promise<this> {
    if (this.#timer) return this;
    this.#seen = await this.read();
    this.#timer = setInterval(() => void this.check(), this.intervalMs);
    // A watcher must not keep a process alive that has nothing else to do.
    (this.#timer as { unref?: () => void }).unref?.();
    return this;
  }

  /** Stops watching; a reload under way finishes. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Compares the file with the last content seen and applies it when it changed.
   * @returns the errors of that reload (empty when nothing changed or it was applied).
   */
  check(): Promise<string[]> {
    // One at a time: a tick that comes while a reload is running waits for it instead of starting a second one.
    this.#running ??= this.checkOnce().finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Listens for `config-reloaded` or `error`; returns a function that stops listening. */
  on<Type extends ConfigWatcherEvent["type"]>(type: Type, listener: Listener<Type>): () => void {
    const listeners = this.#listeners.get(type) ?? new Set();
    this.#listeners.set(type, listeners);
    const wrapped = listener as (event: ConfigWatcherEvent) => void;
    listeners.add(wrapped);
    return () => listeners.delete(wrapped);
  }

  private async checkOnce(): Promise<string[]> {
    let text: string;
    try {
      text = await this.read();
    } catch (error) {
      return this.fail([(error as Error).message], true);
    }
    this.#lastFailure = undefined;
    if (text === this.#seen) return [];
    // Remembered before applying: a file that fails is reported once, and applied again only after it changes.
    this.#seen = text;
    let config: MeshConfigObject;
    try {
      if (text.trim() === "") throw new ConfigError("", `${this.path} is empty`);
      config = await parseConfigText(text, this.path);
    } catch (error) {
      return this.fail([(error as Error).message]);
    }
    let errors: string[];
    try {
      const mesh = isClient(this.#target) ? (await this.#target.ready(), this.#target.mesh) : this.#target;
      errors = await mesh.reconfigure(config);
    } catch (error) {
      errors = [(error as Error).message];
    }
    if (errors.length > 0) return this.fail(errors);
    this.emit({ type: "config-reloaded", path: this.path, timestamp: Date.now() });
    return [];
  }

  private async read(): Promise<string> {
    const fs = await loadFileSystem();
    try {
      return await fs.readFile(this.path, "utf8");
    } catch (error) {
      throw new ConfigError("", `cannot read configuration file ${this.path}: ${(error as { code?: string }).code ?? (error as Error).message}`, { cause: error });
    }
  }

  private fail(errors: string[], repeats = false): string[] {
    const failure = errors.join("\n");
    // An unreadable file is seen on every tick; it is reported once until it can be read again.
    if (repeats && failure === this.#lastFailure) return errors;
    this.#lastFailure = repeats ? failure : undefined;
    if ((this.#listeners.get("error")?.size ?? 0) === 0) {
      // Never the messages themselves: a YAML error quotes the file's lines, which may hold a key.
      console.warn(`modelmesh ConfigWatcher: ${this.path} was not applied (${errors.length} error(s)); the previous configuration stays in force. Listen with watcher.on("error", ...) for the reasons.`);
    }
    this.emit({ type: "error", path: this.path, timestamp: Date.now(), errors });
    return errors;
  }

  private emit(event: ConfigWatcherEvent): void {
    for (const listener of this.#listeners.get(event.type) ?? []) {
      try {
        listener(event);
      } catch {
        // A listener that throws must not stop the watcher or the other listeners.
      }
    }
  }
}
