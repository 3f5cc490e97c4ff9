import type { Model } from "../wire/types.js";

/**
 * What `client.models.list()` and the proxy's `GET /v1/models` answer: OpenAI's model objects for every pool the mesh
 * serves (`owned_by: "modelmesh"`) and every model in a pool (`owned_by`: its provider). A model id several providers
 * serve is listed once as itself (the mesh picks among them) and once per provider as `provider/model`, the names a
 * request can use to pin one.
 */


/** The pools and their members, as `ModelMesh.describe()` gives them. */
type Pools = Record<string, { models: ReadonlyArray<{ model: string; provider: string }> }>;

/**
 * The model objects for `pools`, pools first, each id once.
 * @example
 * modelList(mesh.describe().pools, 1_767_225_600); // [{ id: "chat-completion", object: "model", created: 1767225600, owned_by: "modelmesh" }, ...]
 */
export function modelList(pools: Pools, created: number): Model[] {
  const entries = new Map<string, Model>();
  const add = (id: string, owner: string) => {
    if (!entries.has(id)) entries.set(id, { id, object: "model", created, owned_by: owner });
  };
  for (const name of Object.keys(pools)) add(name, "modelmesh");
  const providersOf = new Map<string, Set<string>>();
  for (const pool of Object.values(pools)) {
    for (const { model, provider } of pool.models) {
      let providers = providersOf.get(model);
      if (!providers) providersOf.set(model, (providers = new Set()));
      providers.add(provider);
    }
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
