import type { RequestOptions } from "../core/router.js";
import type { ProviderOperation } from "../provider/provider.js";
import type { UsageCounts } from "../wire/events.js";
import { InvalidRequestError } from "../wire/error-base.js";
import type { ClientContext } from "./context.js";
import type { ModelMesh } from "../core/mesh.js";
import { requireModel } from "./caller-error.js";
import { withRawResponse, type MeshPromise } from "./raw-response.js";

/**
 * One non-chat request, checked and routed: the body must be an object within the client's limits, name a `model`,
 * and carry `field` as `check` wants it; then the router picks, retries and fails over, calling the provider's method
 * of the same name as the operation. Shared by every resource but chat, so each costs a few bytes up front.
 * @example
 * return routed(this.client, "embeddings", "embeddings", body, options, "input", nonEmpty, usageOfEmbeddings);
 */
export function routed<T>(...args: Parameters<typeof route<T>>): MeshPromise<T> {
  return withRawResponse(route<T>(...args));
}

/** `routed`'s work: `routed` hands its promise on with `asResponse()` and `withResponse()`. */
async function route<T>(
  client: ClientContext,
  operation: Exclude<ProviderOperation, "chat">,
  method: string,
  body: unknown,
  options: RequestOptions,
  field: string,
  check: (value: unknown) => boolean,
  usageOf: (response: T) => UsageCounts | undefined,
  json = true,
  expected = "is missing or of the wrong type",
): Promise<T> {
  const mesh: ModelMesh = await client.mesh();
  // The field first: a wrong one (a Node stream for a file) would otherwise be walked as data and refused for its parts.
  let value: unknown;
  try {
    value = (body as Record<string, unknown>)[field];
  } catch {
    // No object (null, undefined) or a getter that throws: the request checks below report it as the caller's error.
  }
  if (value !== undefined && !check(value)) throw new InvalidRequestError(`${field} ${expected}`, field);
  mesh.checkRequest(operation, body, client.limits, json);
  requireModel(body);
  if (!check(value)) throw new InvalidRequestError(`${field} ${expected}`, field);
  try {
    return await mesh.router.run<T>(operation, body.model, body, mesh.simpleFeatures(operation, json ? value : ""), options, (provider, request, callOptions) => {
      const call = (provider as unknown as Record<string, (request: unknown, options: unknown) => Promise<{ body: T }>>)[method];
      return call!.call(provider, request, callOptions);
    }, usageOf);
  } catch (error) {
    throw mesh.callerError(error);
  }
}

/** A non-empty string. */
export const text = (value: unknown): boolean => typeof value === "string" && value !== "";
