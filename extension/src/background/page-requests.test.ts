import "fake-indexeddb/auto";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { ModelMeshError, isModelMeshErrorOf, BudgetExceededError } from "modelmesh/static";
import { startFakeOpenAI, type FakeOpenAI } from "../../../sdk/test/fakes/openai.ts";
import { servePagePort, serveAdminChatPort } from "./page-requests.ts";
import { EXTENSION_ID, configureWorker, fakePort, workerModules } from "./test-support.ts";

const ORIGIN = "http://127.0.0.1:5173";
const KEY_A = ["sk", "unit", "alpha", "0123456789abcdefghij"].join("-");
const KEY_B = ["sk", "unit", "beta", "0123456789abcdefghij"].join("-");
const hello = { model: "chat", messages: [{ role: "user", content: "Hello there" }] };

let fakes: { a: FakeOpenAI; b: FakeOpenAI };
beforeAll(async () => {
  fakes = { a: await startFakeOpenAI({ name: "a", models: ["alpha"], apiKeys: [KEY_A] }), b: await startFakeOpenAI({ name: "b", models: ["beta"], apiKeys: [KEY_B] }) };
});
afterAll(async () => {
  await Promise.all([fakes.a.close(), fakes.b.close()]);
});
beforeEach(() => {
  fakes.a.reset();
  fakes.b.reset();
});

const pagePort = (origin = ORIGIN, id = EXTENSION_ID) => fakePort("modelmesh-page-request", { origin, id, url: `${origin}/app`, tab: {} });

describe("page requests", () => {
  it("streams chunk by chunk and ends; the spend is saved before the page hears the end", async () => {
    const modules = workerModules();
    await configureWorker(modules, fakes, { a: KEY_A }, ORIGIN);
    const port = pagePort();
    servePagePort(port, modules.service);
    port.send({ method: "chat.completions.create", params: { ...hello, stream: true } });
    expect(await port.final()).toEqual({ kind: "end" });
    const chunks = port.posted.filter((reply) => reply.kind === "chunk");
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.map((reply) => (reply as any).chunk.choices[0]?.delta?.content ?? "").join("")).toBe("Hello from alpha: Hello there");
    expect(fakes.a.requests[0]!.headers.authorization).toBe(`Bearer ${KEY_A}`);
    // Read from IndexedDB at the moment "end" was posted: a worker stopped now would restore this.
    const saved = await modules.savedState();
    expect(saved?.usage).toMatchObject({ requests: 1 });
    expect(saved!.usage!.totalCost).toBeGreaterThan(0);
    const [entry] = await modules.activity.list(ORIGIN);
    expect(entry).toMatchObject({ origin: ORIGIN, method: "chat.completions.create", outcome: "ok", provider: "fake-a", model: "alpha" });
    expect(entry!.cost).toBeCloseTo(saved!.usage!.totalCost, 12);
    expect(entry!.prompt).toBeUndefined();
  });

  it("a restarted worker (same storage, new memory) reports the spend and grants it had, and serves the site without asking", async () => {
    const first = workerModules();
    await configureWorker(first, fakes, { a: KEY_A }, ORIGIN, { dailyLimit: 1 });
    const port = pagePort();
    servePagePort(port, first.service);
    port.send({ method: "chat.completions.create", params: hello });
    await port.final();
    const before = await first.handlers["usage.get"]({});
    expect(before.requests).toBe(1);

    const restarted = workerModules({ suffix: first.suffix });
    const after = await restarted.handlers["usage.get"]({});
    expect(after).toMatchObject({ requests: 1, totalCost: before.totalCost, bySite: { [ORIGIN]: { requests: 1 } } });
    expect(after.budgets[`scope:site:${ORIGIN}`]!.spent).toBeCloseTo(before.totalCost, 12);
    expect((await restarted.handlers["sites.list"]({}))[0]).toMatchObject({ origin: ORIGIN, grant: "always", spentToday: after.budgets[`scope:site:${ORIGIN}`]!.spent });
    const again = pagePort();
    servePagePort(again, restarted.service);
    again.send({ method: "chat.completions.create", params: hello });
    expect(await again.final()).toMatchObject({ kind: "result" });
    expect(restarted.windows).toEqual([]);
    expect((await restarted.handlers["usage.get"]({})).requests).toBe(2);
  });

  it("a key for a built-in provider is all it takes: no configuration, the capability's implicit pool serves", async () => {
    // A fake serving OpenAI's own model names (the built-in provider's default list).
    const openai = await startFakeOpenAI({ apiKeys: [KEY_A] });
    onTestFinished(() => openai.close());
    const modules = workerModules();
    await modules.handlers["keys.set"]({ provider: "openai", apiKey: KEY_A, baseUrl: openai.url });
    await modules.grants.set({ [ORIGIN]: { origin: ORIGIN, grant: "always", budget: {}, pools: [], grantedAt: 0 } });
    const port = pagePort();
    servePagePort(port, modules.service);
    port.send({ method: "chat.completions.create", params: { model: "chat-completion", messages: hello.messages } });
    const reply = await port.final();
    expect(reply).toMatchObject({ kind: "result", result: { object: "chat.completion" } });
    expect(openai.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY_A}`);
  });

  it("takes the origin from port.sender, never from the message, and counts the spend under that site's scope", async () => {
    const modules = workerModules();
    await configureWorker(modules, fakes, { a: KEY_A }, ORIGIN);
    const port = pagePort();
    servePagePort(port, modules.service);
    port.send({ method: "chat.completions.create", params: hello, origin: "https://evil.example", scope: "site:https://evil.example" });
    expect(await port.final()).toMatchObject({ kind: "result", result: { object: "chat.completion" } });
    const usage = (await modules.runtime.client()).usage;
    expect(Object.keys(usage.byScope)).toEqual([`site:${ORIGIN}`]);
    expect((await modules.activity.list()).map((entry) => entry.origin)).toEqual([ORIGIN]);
  });

  it("refuses ports from another extension or from a non-web origin without a word", async () => {
    const modules = workerModules();
    for (const port of [pagePort(ORIGIN, "another-extension-id"), pagePort("chrome-extension://abc"), pagePort("null"), fakePort("modelmesh-page-request", { id: EXTENSION_ID })]) {
      servePagePort(port, modules.service);
      port.send({ method: "models.list", params: {} });
      expect(port.disconnected).toBe(true);
      expect(port.posted).toEqual([]);
    }
  });

  it("answers an undocumented method or malformed parameters with a typed error, calling nobody", async () => {
    const modules = workerModules();
    await configureWorker(modules, fakes, { a: KEY_A }, ORIGIN);
    for (const message of [{ method: "keys.list", params: {} }, { method: "chat.completions.create", params: "x" }, null]) {
      const port = pagePort();
      servePagePort(port, modules.service);
      port.send(message);
      const reply = await port.final();
      expect(reply).toMatchObject({ kind: "error", error: { name: "ModelMeshError", code: "bad_message" } });
    }
    expect(fakes.a.requests).toHaveLength(0);
  });

  it("a disconnected port aborts the upstream request and posts nothing more", async () => {
    const modules = workerModules();
    await configureWorker(modules, fakes, { a: KEY_A }, ORIGIN);
    fakes.a.setMode({ kind: "slow-stream", chunkDelayMs: 100 });
    const port = pagePort();
    servePagePort(port, modules.service);
    port.send({ method: "chat.completions.create", params: { ...hello, stream: true } });
    for (let waited = 0; !port.posted.some((reply) => reply.kind === "chunk") && waited < 5_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    const before = port.posted.length;
    port.hangUp();
    for (let waited = 0; !fakes.a.requests[0]?.clientAborted && waited < 5_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fakes.a.requests[0]!.clientAborted).toBe(true);
    expect(port.posted).toHaveLength(before);
    // What the mesh billed for the part that streamed is what the activity row says it cost.
    const client = await modules.runtime.client();
    await vi.waitFor(async () => expect((await modules.activity.list(ORIGIN)).length).toBe(1));
    const [row] = await modules.activity.list(ORIGIN);
    expect(client.usage.totalCost).toBeGreaterThan(0);
    expect(row!.cost).toBeCloseTo(client.usage.totalCost, 12);
  });

  it("errors cross as toJSON() and revive to their class with ModelMeshError.fromJSON", async () => {
    const modules = workerModules();
    await configureWorker(modules, fakes, { a: KEY_A }, ORIGIN, { dailyLimit: 0.000001 });
    const port = pagePort();
    servePagePort(port, modules.service);
    port.send({ method: "chat.completions.create", params: hello });
    const reply = await port.final();
    expect(reply.kind).toBe("error");
    const revived = ModelMeshError.fromJSON((reply as any).error);
    expect(isModelMeshErrorOf(revived, BudgetExceededError)).toBe(true);
    expect(revived).toMatchObject({ scope: `scope:site:${ORIGIN}` });
    expect(fakes.a.requests).toHaveLength(0);
    expect((await modules.activity.list(ORIGIN))[0]).toMatchObject({ outcome: "over-budget" });
  });

  it("a daily limit set for a site mid-day holds what it already spent today: the next request over it is refused unsent", async () => {
    const modules = workerModules();
    await configureWorker(modules, fakes, { a: KEY_A }, ORIGIN);
    for (let index = 0; index < 2; index += 1) {
      const port = pagePort();
      servePagePort(port, modules.service);
      port.send({ method: "chat.completions.create", params: hello });
      expect(await port.final()).toMatchObject({ kind: "result" });
    }
    const spent = (await modules.activity.list(ORIGIN)).reduce((total, entry) => total + entry.cost, 0);
    expect(spent).toBeGreaterThan(0);
    // The person gives the site a daily limit below what it spent since midnight.
    await modules.handlers["sites.update"]({ origin: ORIGIN, budget: { dailyLimit: spent / 2 } });
    const port = pagePort();
    servePagePort(port, modules.service);
    port.send({ method: "chat.completions.create", params: hello });
    const reply = await port.final();
    expect(reply).toMatchObject({ kind: "error", error: { name: "BudgetExceededError", limitType: "daily" } });
    expect(fakes.a.requests).toHaveLength(2);
    // The site's row shows what it spent today, not a count restarted at the limit.
    const [row] = await modules.handlers["sites.list"]({});
    expect(row!.spentToday).toBeCloseTo(spent, 9);
  });

  it("allowed once, a site is held to the budget the consent window showed: over it, nothing is sent", async () => {
    const modules = workerModules();
    await configureWorker(modules, fakes, { a: KEY_A });
    const port = pagePort();
    servePagePort(port, modules.service);
    port.send({ method: "chat.completions.create", params: hello, budget: { dailyLimit: 0.000001 } });
    await vi.waitFor(() => expect(modules.windows).toHaveLength(1));
    expect(await modules.sites.decide(modules.windows[0]!, "once", undefined)).toBe(true);
    expect(await port.final()).toMatchObject({ kind: "error", error: { name: "BudgetExceededError" } });
    expect(fakes.a.requests).toHaveLength(0);
  });

  it("a site limited to some pools is refused others", async () => {
    const modules = workerModules();
    await configureWorker(modules, fakes, { a: KEY_A }, ORIGIN);
    await modules.sites.update(ORIGIN, undefined, ["embeddings-only"]);
    const port = pagePort();
    servePagePort(port, modules.service);
    port.send({ method: "chat.completions.create", params: hello });
    expect(await port.final()).toMatchObject({ kind: "error", error: { code: "pool_not_allowed" } });
    expect(fakes.a.requests).toHaveLength(0);
  });

  it("an unknown site waits for consent; a denial reaches the page as consent_denied", async () => {
    const modules = workerModules();
    await configureWorker(modules, fakes, { a: KEY_A });
    const port = pagePort();
    servePagePort(port, modules.service);
    port.send({ method: "chat.completions.create", params: hello, budget: { dailyLimit: 1 } });
    for (let waited = 0; modules.windows.length === 0 && waited < 2_000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(modules.sites.pending(modules.windows[0]!)).toEqual({ origin: ORIGIN, method: "chat.completions.create", requestedBudget: { dailyLimit: 1 } });
    expect(port.posted).toEqual([]);
    await modules.handlers["consent.decide"]({ consentId: modules.windows[0]!, decision: "deny" });
    expect(await port.final()).toMatchObject({ kind: "error", error: { name: "ModelMeshError", code: "consent_denied" } });
    expect(fakes.a.requests).toHaveLength(0);
  });

  it("keeps prompt and answer in the activity log only when content logging is on", async () => {
    const modules = workerModules();
    await configureWorker(modules, fakes, { a: KEY_A }, ORIGIN);
    await modules.config.update((config) => ({ ...config, logContent: true }));
    const port = pagePort();
    servePagePort(port, modules.service);
    port.send({ method: "chat.completions.create", params: hello });
    await port.final();
    expect((await modules.activity.list(ORIGIN))[0]).toMatchObject({ prompt: "Hello there", answer: "Hello from alpha: Hello there" });
  });

  it("fails over inside the worker when the first provider breaks mid-stream", async () => {
    const modules = workerModules();
    await configureWorker(modules, fakes, { a: KEY_A, b: KEY_B }, ORIGIN);
    fakes.a.setMode({ kind: "break-stream", afterChunks: 2 });
    const port = pagePort();
    servePagePort(port, modules.service);
    port.send({ method: "chat.completions.create", params: { ...hello, stream: true } });
    expect(await port.final()).toEqual({ kind: "end" });
    expect(port.posted.filter((reply) => reply.kind === "chunk").map((reply) => (reply as any).chunk.choices[0]?.delta?.content ?? "").join("")).toBe("Hello from beta: Hello there");
    expect(fakes.b.requests).toHaveLength(1);
  });

  it("serves models.list (the site's pools), embeddings are refused by a chat-only mesh with a typed error", async () => {
    const modules = workerModules();
    await configureWorker(modules, fakes, { a: KEY_A }, ORIGIN);
    const list = pagePort();
    servePagePort(list, modules.service);
    list.send({ method: "models.list" });
    const reply = await list.final();
    expect(reply).toMatchObject({ kind: "result", result: { object: "list" } });
    expect((reply as any).result.data.map((model: { id: string }) => model.id)).toEqual(expect.arrayContaining(["chat", "fake-a/alpha"]));
    // A request by provider/model makes a pool of that name: the list still names each id once.
    const direct = pagePort();
    servePagePort(direct, modules.service);
    direct.send({ method: "chat.completions.create", params: { ...hello, model: "fake-a/alpha" } });
    expect(await direct.final()).toMatchObject({ kind: "result" });
    const again = pagePort();
    servePagePort(again, modules.service);
    again.send({ method: "models.list" });
    const ids = ((await again.final()) as any).result.data.map((model: { id: string }) => model.id) as string[];
    expect(ids).toEqual([...new Set(ids)]);
    expect(ids).toEqual(expect.arrayContaining(["chat", "fake-a/alpha"]));
    const embed = pagePort();
    servePagePort(embed, modules.service);
    embed.send({ method: "embeddings.create", params: { model: "text-embeddings", input: "x" } });
    expect(await embed.final()).toMatchObject({ kind: "error", error: { retryable: false } });
  });

  it("the popup's chat port is for the extension's own pages only", async () => {
    const modules = workerModules();
    await configureWorker(modules, fakes, { a: KEY_A });
    const foreign = fakePort("modelmesh-admin-chat", { id: EXTENSION_ID, url: "https://evil.example/" });
    serveAdminChatPort(foreign, modules.service, `chrome-extension://${EXTENSION_ID}/`);
    expect(foreign.disconnected).toBe(true);
    const popup = fakePort("modelmesh-admin-chat", { id: EXTENSION_ID, url: `chrome-extension://${EXTENSION_ID}/src/popup/index.html` });
    serveAdminChatPort(popup, modules.service, `chrome-extension://${EXTENSION_ID}/`);
    popup.send({ method: "chat.completions.create", params: { ...hello, stream: true } });
    expect(await popup.final()).toEqual({ kind: "end" });
    expect(modules.windows).toEqual([]);
    expect((await modules.activity.list("extension"))[0]).toMatchObject({ outcome: "ok" });
  });
});
