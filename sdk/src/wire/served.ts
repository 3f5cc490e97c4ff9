// Who served a response and what it cost, attached to the response object under a symbol: invisible to JSON (the
// OpenAI wire shape stays exact) and to `for...in`, readable by code that knows the key (the proxy's
// `x-modelmesh-*` headers, an app's own accounting). `Symbol.for`, so two copies of the package agree on it.

/** What the router records on a response it returns. */
export interface ServedBy {
  provider: string;
  model: string;
  /** Upstream requests the call made, retries and failovers included. */
  attempts: number;
  /** USD, every billed attempt included. */
  cost: number;
  /** False when the serving model has no price: `cost` then counts only earlier attempts, and the real cost is unknown. */
  priced: boolean;
}

/**
 * The key of the `ServedBy` record on responses.
 * @example
 * const completion = await client.chat.completions.create({ model: "chat", messages });
 * servedBy(completion); // { provider: "openai", model: "gpt-4o-mini", attempts: 1, cost: 0.0000123, priced: true }
 */
export const SERVED_BY: unique symbol = Symbol.for("modelmesh.served-by") as never;

/**
 * Attaches the record (non-enumerable, so JSON and spreads leave it out).
 * @example
 * markServed(response, { provider: "openai", model: "gpt-4o-mini", attempts: 1, cost: 0, priced: false });
 */
export function markServed(response: unknown, served: ServedBy): void {
  if (typeof response === "object" && response !== null && Object.isExtensible(response)) Object.defineProperty(response, SERVED_BY, { value: served, enumerable: false, configurable: true });
}

/**
 * Who served a response the mesh returned, and what it cost; undefined for anything else.
 * @example
 * servedBy(await client.embeddings.create({ model: "text-embeddings", input: "hi" }))?.provider;
 */
export function servedBy(response: unknown): ServedBy | undefined {
  return typeof response === "object" && response !== null ? ((response as Record<symbol, ServedBy | undefined>)[SERVED_BY] ?? undefined) : undefined;
}

/**
 * The record as the HTTP headers the proxy sends with an answer: `x-modelmesh-provider`, `x-modelmesh-model`,
 * `x-modelmesh-attempts`, and `x-modelmesh-cost` (USD) for a priced model only (an unpriced model's cost is unknown,
 * not zero).
 * @example
 * servedHeaders({ provider: "openai", model: "gpt-4o-mini", attempts: 1, cost: 0.0000123, priced: true });
 * // { "x-modelmesh-provider": "openai", "x-modelmesh-model": "gpt-4o-mini", "x-modelmesh-attempts": "1", "x-modelmesh-cost": "0.0000123" }
 */
export function servedHeaders(served: ServedBy): Record<string, string> {
  const headers: Record<string, string> = { "x-modelmesh-provider": served.provider, "x-modelmesh-model": served.model, "x-modelmesh-attempts": String(served.attempts) };
  if (served.priced) headers["x-modelmesh-cost"] = String(Math.round(served.cost * 1e10) / 1e10);
  return headers;
}
