// One proxy instance in its own process, for redis-instances.test.ts: a mesh over the given configuration (its
// storage is the shared Redis) behind startProxyServer (createProxy over node:http). Prints its URL, then serves
// until SIGTERM. argv: <JSON { config, tokens, rateLimit? }>
import { create } from "modelmesh";
import { startProxyServer } from "../../src/node-adapter.js";
import { createNodeFetch } from "modelmesh/node-fetch";

const options = JSON.parse(process.argv[2]!) as { config: Record<string, unknown>; tokens: string[]; rateLimit?: { requestsPerMinute: number } };
const client = create({ config: options.config, fetch: createNodeFetch() });
await client.ready();
const server = await startProxyServer({ mesh: client, port: 0, tokens: options.tokens, ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}) });
process.stdout.write(`listening ${server.url}\n`);
process.on("SIGTERM", () => {
  void (async () => {
    await server.close(100);
    await client.close();
    process.exit(0);
  })();
});
