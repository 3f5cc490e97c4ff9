/**
 * Streams handed on in batches, for a server that writes the chunks out again (the proxy's `/v1/chat/completions`).
 * Each layer between the service's bytes and the socket (the provider's iterator, the router's generator, the
 * client's stream, the proxy's source) costs a promise and a few microtask turns per step; one network read often
 * holds several events (a fast model, a loaded proxy), and with these they cross the layers as one array instead of
 * one step each. Global symbols: the proxy names them without a public export, as it does the `raw-text.ts` ones.
 */

/**
 * A request option: the stream yields arrays of chunks (each what was ready without waiting on the network) instead
 * of single chunks. The first chunk comes alone, so the first token leaves as soon as it is parsed.
 */
export const CHUNK_BATCHES: unique symbol = Symbol.for("modelmesh.chunk-batches");

/**
 * On a provider's chunk iterator: the next chunk if it is already in hand (parsed from the last read), without
 * waiting; `undefined` when the next one needs the network, or when the stream ended or failed (which the next
 * `next()` reports).
 */
export const READY_CHUNK: unique symbol = Symbol.for("modelmesh.ready-chunk");

/** A chunk iterator that may offer `READY_CHUNK`. */
export interface ChunkIterator<Chunk> extends AsyncIterator<Chunk> {
  [READY_CHUNK]?: () => Chunk | undefined;
}
