import type { Model } from "../wire/types.js";

/**
 * What `client.models.list()` and the proxy's `GET /v1/models` answer: OpenAI's model objects for every configured pool
 * and every capability the mesh's models offer (`owned_by: "modelmesh"`), and every model (`owned_by`: its provider).
 * A model id several providers serve is listed once as itself (the mesh picks among them) and once per provider as
 * `provider/model`, the names a request can use to pin one.
 */


/** What a mesh serves: its configured pools, the capabilities its models offer, and each model with its provider. */
export interface Served {
  pools: Iterable<string>;
  /** Capability paths of the models (`generation.text-generation.chat-completion`), listed by their short name. */
  capabilities: Iterable<string>;
  models: Iterable<{ model: string; provider: string }>;
}

/**
 * The model objects for what a mesh serves, each id once: configured pools, then capabilities by short name
 * (`chat-completion`), both `owned_by: "modelmesh"`, then models. Built from configuration and models only, so the
 * list is the same before and after requests (pools made on the fly for a name asked for are not listed again).
 * @example
 * modelList({ pools: ["chat"], capabilities: [], models: [] }, 1_767_225_600); // [{ id: "chat", object: "model", created: 1767225600, owned_by: "modelmesh" }]
 */
export function modelList(served: Served, created: number): Model[] {
  const entries = new Map<string, Model>();
  const add = (id: string, owner: string) => {
    if (!entries.has(id)) entries.set(id, { id, object: "model", created, owned_by: owner });
  };
  for (const name of served.pools) add(name, "modelmesh");
  for (const path of served.capabilities) add(path.slice(path.lastIndexOf(".") + 1), "modelmesh");
  const providersOf = new Map<string, Set<string>>();
  for (const { model, provider } of served.models) {
    let providers = providersOf.get(model);
    if (!providers) providersOf.set(model, (providers = new Set()));
    providers.add(provider);
  }
  for (const [model, providers] of providersOf) {
    if (providers.size === 1) add(model, [...providers][0]!);
    else {
      add(model, "modelmesh");
      for (const provider of providers) add(`${provider}/${model}`, provider);
    }
  }
  return [...entries.values()];
}

/**
 * The model object for `id`, listed or not: what `modelList` lists, and also the other names a request's `model` may
 * use for what the mesh serves (a capability's full path, `provider/model` for a model only one provider serves), so
 * `models.retrieve()` knows every name `create` accepts. `served` is read more than once: give arrays or sets.
 * @example
 * findModel({ pools: [], capabilities: ["generation.text-generation.chat-completion"], models: [] }, 0, "generation.text-generation.chat-completion");
 */
export function findModel(served: Served, created: number, id: string): Model | undefined {
  const listed = modelList(served, created).find((model) => model.id === id);
  if (listed) return listed;
  for (const path of served.capabilities) if (path === id) return { id, object: "model", created, owned_by: "modelmesh" };
  for (const { model, provider } of served.models) if (`${provider}/${model}` === id) return { id, object: "model", created, owned_by: provider };
  return undefined;
}

/**
 * One page of models, shaped as the official client's: `data`, `object: "list"`, and iteration over the items. The
 * mesh knows every model at once, so there is never a next page.
 */
export class ModelsPage implements AsyncIterable<Model> {
  readonly object = "list" as const;
  constructor(readonly data: Model[]) {}

  getPaginatedItems(): Model[] {
    return this.data;
  }

  hasNextPage(): boolean {
    return false;
  }

  async *iterPages(): AsyncGenerator<ModelsPage> {
    yield this;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Model> {
    yield* this.data;
  }
}
