/**
 * The chunks of a streaming helper (`chat.completions.stream()`, `runTools()` with `stream: true`), kept so that each
 * of the helper's iterators reads them from the first, and waits for the next one or the end.
 * @example
 * const log = new ChunkLog<ChatCompletionChunk>();
 * log.push(chunk);
 * log.end();
 * await log.at(0); // { value: chunk, done: false }
 */
export class ChunkLog<T> {
  readonly #items: T[] = [];
  #waiting: Array<() => void> = [];
  #over = false;
  #failure: { error: unknown } | undefined;

  push(item: T): void {
    this.#items.push(item);
    this.#wake();
  }

  /** No more chunks; with `failure`, a reader that read every chunk gets its error instead of the end. */
  end(failure?: { error: unknown }): void {
    this.#over = true;
    this.#failure = failure;
    this.#wake();
  }

  /** The chunk at `index` once it arrived; done after the last; the failure once the chunks before it were read. */
  async at(index: number): Promise<IteratorResult<T, undefined>> {
    while (index >= this.#items.length && !this.#over) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (index < this.#items.length) return { value: this.#items[index]!, done: false };
    if (this.#failure) throw this.#failure.error;
    return { value: undefined, done: true };
  }

  #wake(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve();
  }
}
