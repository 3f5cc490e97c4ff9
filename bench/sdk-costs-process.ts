/**
 * The SDK's own costs with the network taken away, in a process of its own (run with `--expose-gc`; prints one JSON
 * line). The `fetch` given to `create()` answers from memory, so what is left is routing, normalisation, events and
 * bookkeeping:
 *  - routing cost: µs of CPU (user + system, `process.cpuUsage`) and of wall time per routed chat, and the same for
 *    the floor (the in-memory fetch + `response.json()` alone), in rotating blocks;
 *  - heap after forced GC at 10,000, 50,000 and 100,000 routed chats (flat = nothing kept per request);
 *  - storage writes: every `save` of the mesh's storage counted over all those requests (state is meant to be
 *    written in batches, a timer after changes, not once per request).
 */
import { performance } from "node:perf_hooks";
import { create, MemoryStorage, type StorageEntry } from "modelmesh";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");

const BODY = JSON.stringify({
  id: "chatcmpl-memory",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello! How can I help you today?", refusal: null }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 9, completion_tokens: 9, total_tokens: 18 },
});
const HEADERS = { "content-type": "application/json" };
const memoryFetch = (async () => new Response(BODY, { status: 200, headers: HEADERS })) as typeof fetch;

class CountingStorage extends MemoryStorage {
  saves = 0;
  override async save(key: string, entry: StorageEntry): Promise<void> {
    this.saves += 1;
    return super.save(key, entry);
  }
}

const storage = new CountingStorage();
const mesh = create({
  config: { providers: { bench: { connector: "openai-compatible", config: { base_url: "http://bench.invalid/v1", api_key: "sk-bench", models: [{ id: "gpt-4o-mini", capabilities: ["generation.text-generation.chat-completion"] }] } } } },
  fetch: memoryFetch,
  storage: { instance: storage },
});
await mesh.ready();
const messages = [{ role: "user" as const, content: "hi" }];
const contenders: Record<string, () => Promise<unknown>> = {
  floor: async () => (await memoryFetch("http://bench.invalid/v1/chat/completions", { method: "POST", body: "{}" })).json(),
  modelmesh: () => mesh.chat.completions.create({ model: "chat-completion", messages }),
};

const started = performance.now();
let routed = 0;
async function block(name: string, count: number): Promise<{ cpuUs: number; wallUs: number }> {
  const run = contenders[name]!;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let index = 0; index < count; index++) await run();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  if (name === "modelmesh") routed += count;
  return { cpuUs: (used.user + used.system) / count, wallUs: (wall * 1000) / count };
}

const rounds = Number(process.argv[2] ?? 6);
const perBlock = Number(process.argv[3] ?? 3_000);
for (const name of Object.keys(contenders)) await block(name, 2_000);
const samples: Array<{ round: number; name: string; cpuUs: number; wallUs: number }> = [];
for (let round = 0; round < rounds; round++) {
  const names = round % 2 === 0 ? ["floor", "modelmesh"] : ["modelmesh", "floor"];
  for (const name of names) samples.push({ round, name, ...(await block(name, perBlock)) });
}

const heap: Array<{ requests: number; heapUsedBytes: number }> = [];
const measureHeap = () => {
  gc();
  gc();
  heap.push({ requests: routed, heapUsedBytes: process.memoryUsage().heapUsed });
};
const target = [10_000, 50_000, 100_000];
for (const mark of target) {
  while (routed < mark) await block("modelmesh", Math.min(1_000, mark - routed));
  // Timers (the state save) get their turn before the heap is read.
  await new Promise((resolve) => setTimeout(resolve, 20));
  measureHeap();
}
const elapsedMs = performance.now() - started;
await mesh.close();
process.stdout.write(`${JSON.stringify({ samples, heap, routed, saves: storage.saves, elapsedMs })}\n`);
