/**
 * The fastest plausible proxy, as a baseline: node:http in, node:http out through a keep-alive agent, both bodies
 * piped, headers copied. No checks, no routing. Plain JavaScript run by `node` itself (no tsx loader, whose
 * transform adds a `__name()` call per function created), as the proxy CLI runs from its build.
 * Usage: node pass-through-process.mjs <upstream origin>. Prints `READY <url>`.
 */
import { Agent, createServer, request as httpRequest } from "node:http";

const upstream = new URL(process.argv[2] ?? "");
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, timeout: 60_000 });
const server = createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (incoming, outgoing) => {
  const forward = httpRequest(
    { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: upstream.host }, agent },
    (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    },
  );
  forward.on("error", () => outgoing.destroy());
  incoming.pipe(forward);
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`READY http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}\n`);
});
process.on("SIGTERM", () => process.exit(0));
