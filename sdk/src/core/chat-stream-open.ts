import { MeshStream, settlingSource, stoppedByReader } from "../wire/mesh-stream.js";
import { callerError } from "./caller-error.js";
import type { RequestFeatures } from "./features.js";
import type { RequestOptions, Router } from "./router.js";
import type { ChatCompletionChunk, ChatCompletionCreateParams } from "../wire/types.js";

/**
 * A routed chat stream as the caller's `MeshStream`, once its first chunk has arrived (a request no model can serve
 * rejects here, as the official client's does). Here in the mesh's code rather than in the client, so a page loads
 * the stream's class with the mesh, not up front.
 * @example
 * const stream = await openChatStream(mesh.router, "chat-completion", body, chatFeatures(body), {});
 */
export async function openChatStream(router: Router, target: string, body: ChatCompletionCreateParams, features: RequestFeatures, options: RequestOptions): Promise<MeshStream<ChatCompletionChunk>> {
  // The router's kind: its signal is built only if someone reads it (the router and providers follow the controller).
  const controller = router.streamController();
  // Already aborted: so is the stream. Otherwise the router makes the stream's controller follow the caller's signal
  // while it runs.
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  // Arrays of chunks only for a caller that asked for them (`CHUNK_BATCHES`, the proxy's); single chunks otherwise.
  const generator = router.stream(target, body, features, options, controller) as AsyncGenerator<ChatCompletionChunk>;
  // Pull the first chunk now, so a request no model can serve rejects here, like the official client.
  let first: IteratorResult<ChatCompletionChunk>;
  try {
    first = await generator.next();
  } catch (error) {
    throw callerError(error);
  }
  // A plain iterator rather than an async generator around the router's: one layer less on every chunk (each
  // generator layer costs a promise and several microtask turns per chunk, on streams of thousands of chunks).
  let pending: IteratorResult<ChatCompletionChunk> | undefined = first;
  let released = false;
  /** Lets go of the router's generator (which lets go of the caller's signal); one that ended has nothing to give back. */
  const release = (ended: boolean): Promise<unknown> | undefined => {
    if (released) return undefined;
    released = true;
    return ended ? undefined : generator.return(undefined);
  };
  const iterator: AsyncIterator<ChatCompletionChunk> = {
    next: async () => {
      if (released) return { done: true, value: undefined };
      let result = pending;
      pending = undefined;
      try {
        result ??= await generator.next();
      } catch (error) {
        await release(false);
        // Stopped by its reader with a plain abort (`stream.abort()`, `stream.controller.abort()`, the caller's signal
        // aborted without a reason of its own): the loop ends quietly, as the official client's does. A reason the
        // caller gave is thrown, as there.
        if (stoppedByReader(controller.signal)) return { done: true, value: undefined };
        throw callerError(error);
      }
      // The end needs no await: the generator is done, and an await is a turn of every layer's promises.
      if (result.done) release(true);
      return result;
    },
    return: async (value?: unknown) => {
      await release(false);
      return { done: true, value: value as ChatCompletionChunk };
    },
  };
  // The iterator ends for good by itself (`released`): the stream hands its `next` on unwrapped.
  return new MeshStream<ChatCompletionChunk>(settlingSource(() => iterator), controller);
}
