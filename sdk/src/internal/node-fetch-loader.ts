// How `platformFetch` loads the Node transport, kept apart from it: the entries that may use `import()` (`modelmesh`,
// `modelmesh/lazy`, through core/node-connectors.ts) set it up front, while platform-fetch.ts itself loads with the
// providers. `modelmesh/static` never sets it (an MV3 service worker forbids `import()`), so there the global
// `fetch` is used everywhere.

/** The shape of `fetch` the providers call. */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

let loader: (() => Promise<Fetch>) | undefined;

/**
 * Lets providers given no `fetch` load the Node transport; the first loader set stays.
 * @example
 * setNodeFetchLoader(() => import("modelmesh/node-fetch").then((module) => module.createNodeFetch()));
 */
export function setNodeFetchLoader(load: () => Promise<Fetch>): void {
  loader ??= load;
}

/**
 * The loader set, if any.
 * @example
 * const load = nodeFetchLoader();
 * if (load) console.log(await load());
 */
export function nodeFetchLoader(): (() => Promise<Fetch>) | undefined {
  return loader;
}
