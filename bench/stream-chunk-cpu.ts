/**
 * The SDK's CPU per streamed chunk against the least any client must do (eventsource-parser + `JSON.parse` of every
 * event), with the network taken away: `create()` gets a `fetch` that answers a 500-chunk SSE body from memory,
 * `perRead` events per body chunk (1: every event its own network read, as when the reader keeps up). Blocks
 * alternate in one process (a quick judge of a change to the stream path, not part of `npm run bench`: the
 * `stream-timing` part measures the same over the network, with the upstream in its own process).
 *
 *   npx tsx --conditions=modelmesh-source bench/stream-chunk-cpu.ts [streams per block] [events per read] [rounds]
 *
 * Prints per round the CPU µs per chunk of each, then the medians and the SDK's added µs per chunk.
 */
import { createParser } from "eventsource-parser";
import { create } from "modelmesh";

const streamsPerBlock = Number(process.argv[2] ?? 200);
const perRead = Number(process.argv[3] ?? 1);
const rounds = Number(process.argv[4] ?? 8);
const CHUNKS = 500;

const base = { id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1_700_000_000, model: "gpt-4o-mini", system_fingerprint: "fp_bench" };
const event = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const events = [event({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] })];
for (let index = 0; index < CHUNKS - 3; index++) events.push(event({ ...base, choices: [{ index: 0, delta: { content: ` word${index}` }, logprobs: null, finish_reason: null }] }));
events.push(event({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }] }));
events.push(event({ ...base, choices: [], usage: { prompt_tokens: 9, completion_tokens: CHUNKS - 3, total_tokens: CHUNKS + 6 } }));
events.push("data: [DONE]\n\n");
const encoder = new TextEncoder();
// The body's network reads, prepared once: each block reads the same bytes.
const reads: Uint8Array[] = [];
for (let index = 0; index < events.length; index += perRead) reads.push(encoder.encode(events.slice(index, index + perRead).join("")));

const body = () => {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (next >= reads.length) controller.close();
      else controller.enqueue(reads[next++]!);
    },
  });
};
const memoryFetch = (async () => new Response(body(), { status: 200, headers: { "content-type": "text/event-stream" } })) as typeof fetch;
const mesh = create({
  config: { providers: { bench: { connector: "openai-compatible", config: { base_url: "http://bench.invalid/v1", api_key: "sk-bench", models: [{ id: "gpt-4o-mini", capabilities: ["generation.text-generation.chat-completion"] }] } } } },
  fetch: memoryFetch,
});
await mesh.ready();

async function direct(): Promise<number> {
  const response = await memoryFetch("http://bench.invalid/v1/chat/completions", { method: "POST", body: "{}" });
  let chunks = 0;
  let done = false;
  const parser = createParser({
    onEvent(message) {
      if (message.data === "[DONE]") done = true;
      else {
        JSON.parse(message.data);
        chunks++;
      }
    },
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  while (!done) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  return chunks;
}

async function modelmesh(): Promise<number> {
  let chunks = 0;
  const stream = await mesh.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true } });
  for await (const chunk of stream) if (chunk) chunks++;
  return chunks;
}

const contenders = { direct, modelmesh };
const samples: Record<keyof typeof contenders, number[]> = { direct: [], modelmesh: [] };
async function block(name: keyof typeof contenders): Promise<number> {
  const run = contenders[name];
  const started = process.cpuUsage();
  for (let index = 0; index < streamsPerBlock; index++) if ((await run()) !== CHUNKS) throw new Error(`${name} read the wrong number of chunks`);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / streamsPerBlock / CHUNKS;
}

await block("direct");
await block("modelmesh");
for (let round = 0; round < rounds; round++) {
  for (const name of round % 2 === 0 ? (["direct", "modelmesh"] as const) : (["modelmesh", "direct"] as const)) samples[name].push(await block(name));
  process.stdout.write(`round ${round + 1}: direct ${samples.direct.at(-1)!.toFixed(2)}  modelmesh ${samples.modelmesh.at(-1)!.toFixed(2)} µs per chunk\n`);
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const added = samples.modelmesh.map((value, index) => value - samples.direct[index]!);
process.stdout.write(`${perRead} event(s) per read, medians: direct ${median(samples.direct).toFixed(2)}, modelmesh ${median(samples.modelmesh).toFixed(2)} µs per chunk; added ${median(added).toFixed(2)} (${Math.min(...added).toFixed(2)}–${Math.max(...added).toFixed(2)})\n`);
await mesh.close();
