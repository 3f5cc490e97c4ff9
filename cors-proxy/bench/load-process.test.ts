/**
 * The load generator's sequential plans, run as the benchmark runs them (its own process), against two servers that
 * record the order in which requests reach them: in blocks each target's requests come in a row, the order of the
 * targets rotating every round; interleaved every target gets one request in turn, the order rotating at each turn.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { runJsonChild } from "./children.js";
import type { LoadPlan, SequentialSample } from "./load-process.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A server per name, each logging its name into `arrivals` as a request comes in. */
async function recording(names: string[], arrivals: string[]) {
  return Promise.all(
    names.map(async (name) => {
      const server = createServer((incoming, outgoing) => {
        arrivals.push(name);
        incoming.resume();
        incoming.on("end", () => outgoing.end("{}"));
      });
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return { name, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`, body: "{}", headers: { "content-type": "application/json" } };
    }),
  );
}

describe("the load generator's sequential plans", () => {
  it("interleaved: one request per target in turn, the order rotating at each turn, after each target's warm-up", async () => {
    const arrivals: string[] = [];
    const targets = await recording(["a", "b"], arrivals);
    const plan: LoadPlan = { kind: "sequential", targets, rounds: 2, requests: 3, warmup: 1, interleaved: true };
    const samples = await runJsonChild<SequentialSample[]>("cors-proxy/bench/load-process.ts", [JSON.stringify(plan)]);
    expect(arrivals).toEqual(["a", "b", ...["a", "b", "b", "a", "a", "b"], ...["a", "b", "b", "a", "a", "b"]]);
    expect(samples.map((sample) => [sample.target, sample.round, sample.latenciesUs.length, sample.failures])).toEqual([
      ["a", 0, 3, 0],
      ["b", 0, 3, 0],
      ["a", 1, 3, 0],
      ["b", 1, 3, 0],
    ]);
    for (const sample of samples) expect(sample.latenciesUs).toEqual([...sample.latenciesUs].sort((x, y) => x - y));
  }, 60_000);

  it("in blocks: each target's requests in a row, the targets' order rotating every round", async () => {
    const arrivals: string[] = [];
    const targets = await recording(["a", "b"], arrivals);
    const plan: LoadPlan = { kind: "sequential", targets, rounds: 2, requests: 2, warmup: 1 };
    await runJsonChild<SequentialSample[]>("cors-proxy/bench/load-process.ts", [JSON.stringify(plan)]);
    expect(arrivals).toEqual(["a", "b", "a", "a", "b", "b", "b", "b", "a", "a"]);
  }, 60_000);
});
