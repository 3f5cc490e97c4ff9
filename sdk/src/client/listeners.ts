// eslint-disable-next-line @typescript-eslint/no-explicit-any -- listeners of different events take different arguments
export type Listener = (...args: any[]) => void;

/**
 * The event side of the official client's helpers (`ChatCompletionStream`, `ChatCompletionRunner`): `on`, `once`,
 * `off` and `emitted`, and whether anyone waits for the outcome, so a failure nobody watches is not lost silently.
 */
export class Listeners {
  readonly #listeners = new Map<string, Array<{ listener: Listener; once: boolean }>>();
  /** Someone waits for the outcome (done(), a final*(), an iterator): a failure reaches them rather than going unseen. */
  protected watched = false;

  protected readonly emit = (event: string, ...args: unknown[]): void => {
    const listeners = this.#listeners.get(event);
    if (!listeners) return;
    this.#listeners.set(event, listeners.filter((entry) => !entry.once));
    for (const { listener } of listeners) listener(...args);
  };

  /** True when a failure will be seen: someone waits for the outcome or listens for `error`. */
  protected seen(): boolean {
    return this.watched || (this.#listeners.get("error")?.length ?? 0) > 0;
  }

  on(event: string, listener: Listener, once = false): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), { listener, once }]);
    return this;
  }

  once(event: string, listener: Listener): this {
    return this.on(event, listener, true);
  }

  off(event: string, listener: Listener): this {
    this.#listeners.set(event, (this.#listeners.get(event) ?? []).filter((entry) => entry.listener !== listener));
    return this;
  }

  /** The next time `event` is emitted: its argument (or arguments as an array, or nothing); rejects on a failure first. */
  emitted(event: string): Promise<unknown> {
    this.watched = true;
    return new Promise((resolve, reject) => {
      if (event !== "error") this.once("error", reject);
      this.once(event, (...args: unknown[]) => resolve(args.length > 1 ? args : args[0]));
    });
  }
}
