import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BudgetExceededError, StorageError, create, type MeshEvent } from "../src/index.js";
import { BUDGET_JOURNAL_KEY } from "../src/core/budget-store.js";
import { LocalFileStorage } from "../src/node/local-file-storage.js";
import type { BaseStorage, StorageEntry } from "../src/storage/storage.js";
import { CallbackObservability } from "../src/observability/callback.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { CHAT } from "./support/mesh.js";

// $1000 per million output tokens, max_tokens 8: every request's worst case is $0.008, and the fake (which truncates
// its reply to max_tokens) bills exactly 8 tokens, so the fake's request counter times $0.008 is what was spent.
const COST = 0.008;
const LIMIT = 10 * COST;
const ask = { model: "chat", messages: [{ role: "user" as const, content: "Hello there" }], max_tokens: 8 };
const CHILD = fileURLToPath(new URL("./support/budget-crash-child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

let directory: string;
let counter = 0;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "modelmesh-crash-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});
const fresh = (name: string) => join(directory, `${++counter}-${name}`);
const chats = (fake: FakeOpenAI) => fake.requests.filter((request) => request.path.endsWith("/chat/completions")).length;

function meshOver(fake: FakeOpenAI, storage: { connector: string; config?: Record<string, unknown> } | { instance: BaseStorage }, budget: Record<string, unknown> = { daily_limit: LIMIT }, persistDelayMs = 60_000) {
  const events: MeshEvent[] = [];
  const client = create({
    config: {
      providers: { a: { connector: "openai-compatible", config: { base_url: fake.url, api_key: "sk-test-key-crash-000000", models: [{ id: "alpha", capabilities: [CHAT], pricing: { input: 0, output: 1000 } }] } } },
      pools: { chat: { capability: "chat-completion", retry: { max_retries: 0 } } },
      budget,
    },
    storage,
    persistDelayMs,
    observability: { instance: new CallbackObservability({ callback: (event) => void events.push(event), logLevel: "full", minSeverity: "debug" }) },
  });
  return { client, events };
}

/** Starts the child mesh, waits until `settled` requests were answered and `inFlight` more reached the fake, then SIGKILLs it. */
async function crashChild(fake: FakeOpenAI, storage: { connector: string; config: Record<string, unknown> }, settled: number, inFlight: number): Promise<void> {
  const child = spawn(process.execPath, ["--conditions=modelmesh-source", "--import", "tsx", CHILD, JSON.stringify(storage), fake.url, String(settled), String(inFlight), String(LIMIT)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (part: Buffer) => (output += part.toString()));
  child.stderr.on("data", (part: Buffer) => (output += part.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
  const deadline = Date.now() + 20_000;
  while (!(output.includes("in flight") && chats(fake) === settled + inFlight)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`the child never had ${inFlight} requests in flight (fake saw ${chats(fake)}): ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");
}

describe.each([
  ["local-file", "state.json"],
  ["sqlite", "state.db"],
])("SIGKILL mid-request with %s storage", (connector, file) => {
  it("after the restart, spend + reserved never lets the limit be passed: the fake's own counter stays within it", { timeout: 60_000 }, async () => {
    const fake = await startFakeOpenAI({ name: "crash", models: ["alpha"] });
    try {
      const storage = { connector, config: { path: fresh(file) } };
      // Three answered, then the fake holds every request: four are in flight (sent, maybe billed) when the process dies.
      fake.setMode({ kind: "hang" });
      for (let index = 0; index < 3; index++) fake.enqueue({ kind: "ok" });
      await crashChild(fake, storage, 3, 4);
      expect(chats(fake)).toBe(7);
      fake.reset();

      const { client } = meshOver(fake, storage);
      await client.ready();
      // The three settled at their real cost and the four never settled at their worst case: all seven counted, once.
      const daily = client.usage.budgets.global!.daily;
      expect(daily.spent).toBeCloseTo(7 * COST, 9);
      expect(daily.reserved).toBe(0);
      expect(client.mesh.budgetLedger.recovered).toEqual({ reservations: 4, amount: 4 * COST });
      // Statistics are what a crash may lose: at most persistDelayMs of them (a minute here, so all three answers).
      expect(client.usage.requests).toBe(0);
      // What is left is exactly what the fake has not been sent yet: three more requests, then refusals.
      const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => client.chat.completions.create(ask)));
      expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(3);
      expect(outcomes.filter((outcome) => outcome.status === "rejected" && outcome.reason instanceof BudgetExceededError)).toHaveLength(7);
      expect((7 + chats(fake)) * COST).toBeLessThanOrEqual(LIMIT + 1e-9);
      await client.close();

      // A second restart counts nothing twice: the recovered reservations are spend now, no longer reservations.
      const again = meshOver(fake, storage).client;
      await again.ready();
      expect(again.usage.budgets.global!.daily.spent).toBeCloseTo(LIMIT, 9);
      expect(again.mesh.budgetLedger.recovered).toEqual({ reservations: 0, amount: 0 });
      await again.close();
    } finally {
      await fake.close();
    }
  });
});

/** LocalFileStorage that records when each journal write finished, or fails them. */
class WatchedStorage extends LocalFileStorage {
  journalDone: number[] = [];
  saves = new Map<string, number>();
  failJournal = false;
  delayMs = 0;
  override async save(key: string, entry: StorageEntry): Promise<void> {
    this.saves.set(key, (this.saves.get(key) ?? 0) + 1);
    if (key === BUDGET_JOURNAL_KEY) {
      if (this.failJournal) throw new StorageError(`${this.id}: cannot write ${this.path}: disk full`);
      if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    }
    await super.save(key, entry);
    if (key === BUDGET_JOURNAL_KEY) this.journalDone.push(Date.now());
  }
}

describe("the reservation is durable before the request leaves", () => {
  it("the provider receives a request only after the journal holding its reservation is written", async () => {
    const fake = await startFakeOpenAI({ name: "order", models: ["alpha"] });
    try {
      const storage = new WatchedStorage({ path: fresh("order.json") });
      storage.delayMs = 150;
      const { client } = meshOver(fake, { instance: storage as BaseStorage });
      await client.ready();
      await client.chat.completions.create(ask);
      expect(storage.journalDone).toHaveLength(1);
      expect(fake.requests[0]!.at).toBeGreaterThanOrEqual(storage.journalDone[0]!);
      await client.close();
    } finally {
      await fake.close();
    }
  });

  it("a journal that cannot be written refuses the request (StorageError) while a budget is enforced, and sends nothing", async () => {
    const fake = await startFakeOpenAI({ name: "closed", models: ["alpha"] });
    try {
      const storage = new WatchedStorage({ path: fresh("closed.json") });
      const { client } = meshOver(fake, { instance: storage as BaseStorage });
      await client.ready();
      storage.failJournal = true;
      const error = await client.chat.completions.create(ask).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toMatch(/^global: the budget reservation could not be written to storage \(.*disk full\), so the request was not sent/);
      expect(chats(fake)).toBe(0);
      // Nothing stays reserved for a request that never left.
      expect(client.usage.budgets.global!.daily.reserved).toBe(0);
      storage.failJournal = false;
      await client.chat.completions.create(ask);
      expect(chats(fake)).toBe(1);
      await client.close();

      // A budget that only counts (enforce: false) does not stop requests when its journal cannot be written.
      const countingStorage = new WatchedStorage({ path: fresh("open.json") });
      const counting = meshOver(fake, { instance: countingStorage as BaseStorage }, { daily_limit: LIMIT, enforce: false });
      await counting.client.ready();
      countingStorage.failJournal = true;
      await counting.client.chat.completions.create(ask);
      expect(chats(fake)).toBe(2);
      countingStorage.failJournal = false;
      await counting.client.close();
    } finally {
      await fake.close();
    }
  });

  it("writes per request: one journal write per reservation at most (shared under concurrency), statistics batched", { timeout: 30_000 }, async () => {
    const fake = await startFakeOpenAI({ name: "writes", models: ["alpha"] });
    try {
      const storage = new WatchedStorage({ path: fresh("writes.json") });
      const { client } = meshOver(fake, { instance: storage as BaseStorage }, { daily_limit: 1000 }, 1_000);
      await client.ready();
      const requests = 200;
      // One caller at a time: one journal write per request (its reservation; the previous settlement rides along).
      for (let index = 0; index < requests; index++) await client.chat.completions.create(ask);
      const sequential = { journal: storage.saves.get(BUDGET_JOURNAL_KEY) ?? 0, state: storage.saves.get("modelmesh/state") ?? 0 };
      // 20 callers at a time, as a busy proxy would see them: concurrent reservations share one write.
      for (let wave = 0; wave < requests / 20; wave++) await Promise.all(Array.from({ length: 20 }, () => client.chat.completions.create(ask)));
      await client.close();
      const concurrent = { journal: (storage.saves.get(BUDGET_JOURNAL_KEY) ?? 0) - sequential.journal, state: (storage.saves.get("modelmesh/state") ?? 0) - sequential.state };
      const line = (label: string, counts: { journal: number; state: number }) =>
        `${label}: journal ${counts.journal} (${(counts.journal / requests).toFixed(3)}/request), state ${counts.state} (${(counts.state / requests).toFixed(3)}/request)`;
      console.info(`[writes per request, local-file, ${requests} requests each] ${line("1 at a time", sequential)}; ${line("20 at a time", concurrent)}`);
      expect(chats(fake)).toBe(2 * requests);
      expect(sequential.journal).toBeLessThanOrEqual(requests + 1);
      expect(concurrent.journal).toBeLessThanOrEqual(requests / 20 + 2);
      // Statistics (model state, usage) stay batched: at most one write per persistDelayMs (1 s) plus the one at close.
      expect(sequential.state + concurrent.state).toBeLessThan(20);
    } finally {
      await fake.close();
    }
  });
});
