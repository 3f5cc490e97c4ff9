import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { RedisStorage } from "modelmesh/node";
import { startFakeOpenAI, type FakeOpenAI } from "../../sdk/test/fakes/openai.js";
import { startRedis, type TestRedis } from "../../sdk/test/support/redis-server.js";
import { CHAT, TOKEN } from "./support.js";

// Two proxy processes over one real redis-server (started here on a free port) and shared fake providers: what a
// docker-compose of N proxies + Redis runs. Missing redis-server, these tests fail with how to install it.
const CHILD = fileURLToPath(new URL("./support/redis-proxy-child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const OTHER_TOKEN = "proxy-token-rate-limit-0123456789";
// $1000 per million output tokens and max_tokens 8: every request's worst case and real cost are $0.008 (the fake
// truncates its answer to max_tokens and bills exactly that).
const COST = 0.008;
const ask = { model: "chat", messages: [{ role: "user", content: "Hello there" }], max_tokens: 8 };

let redis: TestRedis;
let children: ChildProcess[] = [];
let closers: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  redis = await startRedis();
}, 20_000);
afterAll(async () => {
  await redis?.stop();
});
afterEach(async () => {
  await Promise.all(
    children.map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      return exited.finally(() => clearTimeout(timer));
    }),
  );
  children = [];
  for (const close of closers.reverse()) await close();
  closers = [];
});

const chats = (fake: FakeOpenAI) => fake.requests.filter((request) => request.path.endsWith("/chat/completions")).length;

async function startFakes() {
  const a = await startFakeOpenAI({ name: "fake-a", models: ["alpha"] });
  const b = await startFakeOpenAI({ name: "fake-b", models: ["beta"] });
  closers.push(() => Promise.all([a.close(), b.close()]));
  const provider = (fake: FakeOpenAI, model: string, key: string) => ({
    connector: "openai-compatible",
    config: { base_url: fake.url, api_key: key, models: [{ id: model, capabilities: [CHAT], pricing: { input: 0, output: 1000 } }] },
  });
  return { a, b, providers: { a: provider(a, "alpha", "sk-test-key-redis-a-00000000"), b: provider(b, "beta", "sk-test-key-redis-b-11111111") } };
}

/** Starts `count` proxy processes with the same options and resolves with their URLs. */
async function startProxies(count: number, options: Record<string, unknown>): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const child = spawn(process.execPath, ["--conditions=modelmesh-source", "--import", "tsx", CHILD, JSON.stringify(options)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      children.push(child);
      let output = "";
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`a proxy process did not start: ${output}`)), 30_000);
        const onData = (part: Buffer) => {
          output += part.toString();
          const found = /listening (http:\/\/\S+)/.exec(output);
          if (found) {
            clearTimeout(timer);
            resolve(found[1]!);
          }
        };
        child.stdout!.on("data", onData);
        child.stderr!.on("data", onData);
        child.on("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`a proxy process exited (${code}): ${output}`));
        });
      });
    }),
  );
}

const chat = (url: string, token = TOKEN) =>
  fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(ask) });

it("200 concurrent requests through two proxy processes against a budget that fits 50: at most the limit is spent, and the fake shows 150 never sent", { timeout: 90_000 }, async () => {
  const fakes = await startFakes();
  const keyPrefix = "two-proxies-budget:";
  const config = {
    providers: fakes.providers,
    pools: { chat: { capability: "chat-completion", strategy: "stick-until-failure", retry: { max_retries: 0 } } },
    budget: { daily_limit: 50 * COST },
    storage: { connector: "redis", config: { url: redis.url, key_prefix: keyPrefix } },
  };
  const urls = await startProxies(2, { config, tokens: [TOKEN] });
  const responses = await Promise.all(Array.from({ length: 200 }, (_, index) => chat(urls[index % 2]!)));
  const statuses = responses.map((response) => response.status);
  await Promise.all(responses.map((response) => response.arrayBuffer()));
  const sent = chats(fakes.a) + chats(fakes.b);
  expect(sent).toBe(50);
  expect(statuses.filter((status) => status === 200)).toHaveLength(50);
  expect(statuses.filter((status) => status === 402)).toHaveLength(150);
  // Both proxies served some of the 50: the limit held across processes, not inside one.
  expect(statuses.filter((status, index) => status === 200 && index % 2 === 0).length).toBeGreaterThan(0);
  expect(statuses.filter((status, index) => status === 200 && index % 2 === 1).length).toBeGreaterThan(0);
  console.info(`[two proxies] 200 requests, limit fits 50: fake received ${sent}, never sent ${200 - sent}`);
  const reader = new RedisStorage({ url: redis.url, keyPrefix });
  closers.push(() => reader.close());
  // Settlements are sent right after each answer; wait until the last one is in.
  let global;
  for (let tries = 0; tries < 50; tries++) {
    [global] = await reader.readBudgets(["global"]);
    if (global && global.reserved === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(global!.reserved).toBe(0);
  expect(global!.daySpent).toBeLessThanOrEqual(50 * COST + 1e-9);
  expect(global!.daySpent).toBeCloseTo(sent * COST, 9);
});

it("a model cooled down through one proxy is skipped by the other; per-token rate limits hold across both", { timeout: 90_000 }, async () => {
  const fakes = await startFakes();
  const keyPrefix = "two-proxies-cooldown:";
  const config = {
    providers: fakes.providers,
    pools: { chat: { capability: "chat-completion", strategy: "stick-until-failure", retry: { max_retries: 0 }, deactivation: { failure_threshold: 1 }, recovery: { cooldown_ms: 60_000 } } },
    storage: { connector: "redis", config: { url: redis.url, key_prefix: keyPrefix } },
  };
  const [first, second] = await startProxies(2, { config, tokens: [TOKEN, OTHER_TOKEN], rateLimit: { requestsPerMinute: 10 } });

  // alpha fails once behind the first proxy: it cools down there and the request moves to beta.
  fakes.a.enqueue({ kind: "error", status: 500 });
  const failedOver = await chat(first!);
  expect(failedOver.status).toBe(200);
  expect(((await failedOver.json()) as { model: string }).model).toMatch(/^beta/);
  expect([chats(fakes.a), chats(fakes.b)]).toEqual([1, 1]);
  const reader = new RedisStorage({ url: redis.url, keyPrefix });
  closers.push(() => reader.close());
  for (let tries = 0; tries < 50 && !(await reader.readModelStates()).some((update) => update.key === "a/alpha"); tries++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect((await reader.readModelStates()).find((update) => update.key === "a/alpha")).toMatchObject({ status: "cooldown" });
  // Pub/sub delivers in milliseconds; a generous margin for a loaded machine.
  await new Promise((resolve) => setTimeout(resolve, 300));

  // The second proxy never saw alpha fail, and alpha would answer now (the failure was one-shot): it still skips it.
  const skipped = await chat(second!);
  expect(((await skipped.json()) as { model: string }).model).toMatch(/^beta/);
  expect([chats(fakes.a), chats(fakes.b)]).toEqual([1, 2]);

  // One bucket of 10 for the other token, whichever proxy the requests reach: 20 alternating requests, 10 allowed.
  const statuses: number[] = [];
  for (let index = 0; index < 20; index++) {
    const response = await fetch(`${[first, second][index % 2]}/v1/models`, { headers: { authorization: `Bearer ${OTHER_TOKEN}` } });
    await response.arrayBuffer();
    statuses.push(response.status);
  }
  const allowed = statuses.filter((status) => status === 200).length;
  // 10 per minute refills one every 6 s: a very slow run may see one more.
  expect(allowed).toBeGreaterThanOrEqual(10);
  expect(allowed).toBeLessThanOrEqual(11);
  expect(statuses.filter((status) => status === 429)).toHaveLength(20 - allowed);
});
