import type { MiddlewareContext } from "modelmesh/static";

// Which provider and model served a request, and what it cost, for the activity log. The router copies a request body
// with object spread before each attempt, which keeps symbol-keyed properties and never sends them (JSON has no
// symbols): a tag under a private symbol links a caller's request to the router's request id, which every event names.
const TAG = Symbol("modelmesh-extension-request");

/** What the mesh reported about one request once it ended. */
export interface RequestOutcome {
  provider?: string;
  model?: string;
  cost: number;
  ok: boolean;
}

interface MeshEventLike {
  type: string;
  requestId?: string;
  provider?: string;
  model?: string;
  cost?: number;
  ok?: boolean;
}

/**
 * Links requests to the mesh's `request-end` events. Give `middleware` and `sink` to the mesh, `tag()` each body.
 * @example
 * const tracker = new RequestTracker();
 * const { body, outcome } = tracker.tag(params);
 * await client.chat.completions.create(body);
 * outcome(); // { provider: "openai", model: "gpt-4o-mini", cost: 0.00002, ok: true }
 */
export class RequestTracker {
  #byTag = new Map<string, RequestOutcome | undefined>();
  #tagOfRequest = new Map<string, string>();
  #counter = 0;

  readonly middleware = {
    beforeRequest: (request: Record<string | symbol, unknown>, context: MiddlewareContext) => {
      const tag = request[TAG];
      if (typeof tag === "string" && this.#byTag.has(tag)) this.#tagOfRequest.set(context.requestId, tag);
      return request;
    },
  };

  readonly sink = {
    emit: (event: MeshEventLike) => {
      if (!event.requestId) return;
      const tag = this.#tagOfRequest.get(event.requestId);
      if (tag === undefined) return;
      if (event.type === "attempt-start" || event.type === "attempt-end") {
        const previous = this.#byTag.get(tag);
        this.#byTag.set(tag, { cost: previous?.cost ?? 0, ok: false, provider: event.provider, model: event.model });
      } else if (event.type === "request-end") {
        this.#byTag.set(tag, { provider: event.provider, model: event.model, cost: event.cost ?? 0, ok: event.ok === true });
        this.#tagOfRequest.delete(event.requestId);
      }
    },
  };

  /** A copy of `body` carrying a tag, and a function that reads (and forgets) what the mesh reported for it. */
  tag<Body extends object>(body: Body): { body: Body; outcome: () => RequestOutcome | undefined } {
    const tag = `r${++this.#counter}`;
    this.#byTag.set(tag, undefined);
    const tagged = { ...body, [TAG]: tag } as Body;
    return {
      body: tagged,
      outcome: () => {
        const outcome = this.#byTag.get(tag);
        this.#byTag.delete(tag);
        for (const [requestId, value] of this.#tagOfRequest) if (value === tag) this.#tagOfRequest.delete(requestId);
        return outcome;
      },
    };
  }
}
