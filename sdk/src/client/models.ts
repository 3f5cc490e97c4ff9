import type { ModelsPage } from "../core/model-list.js";
import type { Model } from "../wire/types.js";
import type { ClientContext } from "./context.js";
import { withRawResponse, type MeshPromise } from "./raw-response.js";

/**
 * `client.models.list()`: awaited, the page; iterated with `for await`, its models; `withResponse()` and
 * `asResponse()` give the `/v1/models` answer's HTTP side (as the official client's page promise).
 */
export type ModelsPagePromise = MeshPromise<ModelsPage> & AsyncIterable<Model>;

/** `client.models`: what the mesh serves, as OpenAI model objects (the list itself loads with the mesh). */
export class Models {
  constructor(private readonly client: ClientContext) {}

  /**
   * Every configured pool, every capability the models offer (by its short name) and every model; a model several
   * providers serve also as `provider/model`. The list does not change with use.
   * @example
   * for await (const model of client.models.list()) console.log(model.id, model.owned_by);
   * const { data } = await client.models.list();
   */
  list(): ModelsPagePromise {
    const page = withRawResponse(this.client.mesh().then((mesh) => mesh.listModels()));
    return Object.assign(page, {
      async *[Symbol.asyncIterator]() {
        yield* await page;
      },
    });
  }

  /**
   * One model object; rejects with `InvalidRequestError` (code `model_not_found`) for a name the mesh does not serve.
   * @example
   * const pool = await client.models.retrieve("chat-completion");
   */
  retrieve(id: string): MeshPromise<Model> {
    return withRawResponse(this.client.mesh().then((mesh) => mesh.retrieveModel(id)));
  }
}
