/**
 * Sources whose iterator already ends for good after its end, a failure or `return()` (the chat client's): a stream
 * over one hands its `next` on directly instead of wrapping it, one promise less on every chunk. Such a source follows
 * the controller by itself and is not handed its signal (which reading would build: see `LazyAbortController`).
 */
const settlingSources = new WeakSet<object>();

/** Marks `source` as one whose iterator settles by itself (see `settlingSources`); returns it. */
export function settlingSource<Item>(source: (signal: AbortSignal) => AsyncIterator<Item>): (signal: AbortSignal) => AsyncIterator<Item> {
  settlingSources.add(source);
  return source;
}

/**
 * Whether `signal` was aborted without a reason of its own (an `AbortError`): a reader stopping its stream, whose loop
 * then ends quietly, as the official client's does; a reason the caller gave is thrown instead.
 */
export function stoppedByReader(signal: AbortSignal): boolean {
  return signal.aborted && (signal.reason as { name?: unknown } | undefined)?.name === "AbortError";
}

/**
 * A streamed answer: an async iterable that owns the AbortController of its upstream request.
 * Leaving `for await` early (break, return, throw) aborts the request, so no tokens are paid for
 * that nobody reads. Iterate it once; `tee()` gives two independent readers.
 * @example
 * const stream = await client.chat.completions.create({ model: "chat-completion", messages, stream: true });
 * for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? "");
 */
export class MeshStream<Item> implements AsyncIterable<Item> {
  readonly controller: AbortController;
  #source: (signal: AbortSignal) => AsyncIterator<Item>;
  #consumed = false;

  constructor(source: (signal: AbortSignal) => AsyncIterator<Item>, controller: AbortController = new AbortController()) {
    this.#source = source;
    this.controller = controller;
  }

  [Symbol.asyncIterator](): AsyncIterator<Item> {
    if (this.#consumed) throw new Error("a MeshStream can be iterated once; use tee() to read it twice");
    this.#consumed = true;
    const settling = settlingSources.has(this.#source);
    const iterator = settling ? (this.#source as () => AsyncIterator<Item>)() : this.#source(this.controller.signal);
    let done = false;
    if (settling) {
      return {
        next: () => iterator.next(),
        return: async (value?: unknown) => {
          if (!done) {
            done = true;
            this.controller.abort();
          }
          return iterator.return ? iterator.return(value) : { done: true, value: value as Item };
        },
      };
    }
    return {
      next: async () => {
        if (done) return { done: true, value: undefined };
        try {
          const result = await iterator.next();
          if (result.done) done = true;
          return result;
        } catch (error) {
          done = true;
          // Stopped by its reader: the iteration ends, as `abort()` promises (and as the official client's does).
          if (stoppedByReader(this.controller.signal)) return { done: true, value: undefined };
          throw error;
        }
      },
      return: async (value?: unknown) => {
        if (!done) {
          done = true;
          this.controller.abort();
          await iterator.return?.();
        }
        return { done: true, value: value as Item };
      },
    };
  }

  /** Stops the upstream request; a reader then sees the iteration end. */
  abort(): void {
    this.controller.abort();
  }

  /** Two streams that each see every item; the upstream is read once and aborted only when both readers stop early. */
  tee(): [MeshStream<Item>, MeshStream<Item>] {
    const queues: Array<Array<Promise<IteratorResult<Item>>>> = [[], []];
    let iterator: AsyncIterator<Item> | undefined;
    let stopped = 0;
    const pull = () => {
      iterator ??= this[Symbol.asyncIterator]();
      const next = iterator.next();
      queues[0]!.push(next);
      queues[1]!.push(next);
    };
    const reader = (index: 0 | 1) => (): AsyncIterator<Item> => ({
      next: () => {
        const queue = queues[index]!;
        if (queue.length === 0) pull();
        return queue.shift()!;
      },
      return: async (value?: unknown) => {
        if (++stopped === 2) await iterator?.return?.();
        return { done: true, value: value as Item };
      },
    });
    return [new MeshStream(reader(0)), new MeshStream(reader(1))];
  }

  /** Newline-delimited JSON bytes, to send the stream across a port, a worker or an HTTP body. */
  toReadableStream(): ReadableStream<Uint8Array> {
    const encoder = new TextEncoder();
    let iterator: AsyncIterator<Item> | undefined;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        iterator ??= this[Symbol.asyncIterator]();
        try {
          const { value, done } = await iterator.next();
          if (done) return controller.close();
          controller.enqueue(encoder.encode(`${JSON.stringify(value)}\n`));
        } catch (error) {
          controller.error(error);
        }
      },
      cancel: async () => {
        await iterator?.return?.();
      },
    });
  }

  /** Reads a stream written by `toReadableStream()`. */
  static fromReadableStream<Item>(stream: ReadableStream<Uint8Array>, controller = new AbortController()): MeshStream<Item> {
    return new MeshStream<Item>(async function* (signal) {
      const reader = stream.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      const onAbort = () => void reader.cancel().catch(() => {});
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let newline: number;
          while ((newline = buffer.indexOf("\n")) >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (line) yield JSON.parse(line) as Item;
          }
        }
        const rest = (buffer + decoder.decode()).trim();
        if (rest) yield JSON.parse(rest) as Item;
      } finally {
        signal.removeEventListener("abort", onAbort);
        reader.releaseLock();
      }
    }, controller);
  }
}
