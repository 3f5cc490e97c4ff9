import { mkdtempSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ConfigError } from "../src/wire/error-base.js";
import type { EventSink, MeshEvent } from "../src/wire/events.js";
import { CallbackObservability } from "../src/observability/callback.js";
import { ConsoleObservability } from "../src/observability/console.js";
import { JsonLogObservability } from "../src/observability/json-log.js";
import { MultiSink } from "../src/observability/multi.js";
import { NullObservability } from "../src/observability/null.js";
import { REDACTED, redactText } from "../src/wire/redact.js";
import { createRedactor } from "../src/internal/event-redactor.js";
import { BaseObservability, SUMMARY_EVENT_TYPES, redactsItself, scrubsWhatItKeeps, trackedRedactor, trustRedactor } from "../src/observability/sink.js";
import { PrometheusObservability } from "../src/observability/prometheus.js";
import { WebhookObservability } from "../src/observability/webhook.js";
import { FileObservability } from "../src/node/file-observability.js";
import { startWebhookReceiver, type WebhookReceiver } from "./fakes/webhook-receiver.js";
import type { BaseObservabilityConfig } from "../src/observability/sink.js";
import { MemorySecretStore } from "../src/secrets/memory-secrets.js";
import { observabilityContract, sampleEvents } from "./contracts/observability.contract.js";
import type { ObservabilityHarness, ObservabilityHarnessOptions } from "./contracts/observability.contract.js";

const events = sampleEvents();

function failingOr(throwOnWrite: boolean | undefined, lines: string[]) {
  return (line: string) => {
    if (throwOnWrite) throw new Error("destination down");
    lines.push(line);
  };
}

/** A CDK-style custom sink, to prove the base class alone does the filtering and redaction. */
class LinesObservability extends BaseObservability {
  override readonly id = "test.lines.v1";
  constructor(
    config: BaseObservabilityConfig,
    private readonly sinkLine: (line: string) => void,
  ) {
    super(config);
  }
  protected _write(line: string): void {
    this.sinkLine(line);
  }
}

const harnesses: Record<string, (options: ObservabilityHarnessOptions) => ObservabilityHarness> = {
  ConsoleObservability: ({ config, throwOnWrite }) => {
    const lines: string[] = [];
    return { sink: new ConsoleObservability({ ...config, useColor: true, write: failingOr(throwOnWrite, lines) }), output: () => lines };
  },
  JsonLogObservability: ({ config, throwOnWrite }) => {
    const lines: string[] = [];
    return { sink: new JsonLogObservability({ ...config, write: failingOr(throwOnWrite, lines) }), output: () => lines };
  },
  CallbackObservability: ({ config, throwOnWrite }) => {
    const delivered: string[] = [];
    const callback = (event: MeshEvent) => {
      if (throwOnWrite) throw new Error("callback down");
      delivered.push(JSON.stringify(event));
    };
    return { sink: new CallbackObservability({ ...config, callback }), output: () => delivered };
  },
  "CallbackObservability (async callback)": ({ config, throwOnWrite }) => {
    const delivered: string[] = [];
    const callback = async (event: MeshEvent) => {
      if (throwOnWrite) throw new Error("callback rejected");
      delivered.push(JSON.stringify(event));
    };
    return { sink: new CallbackObservability({ ...config, callback }), output: () => delivered };
  },
  "BaseObservability subclass": ({ config, throwOnWrite }) => {
    const lines: string[] = [];
    return { sink: new LinesObservability(config, failingOr(throwOnWrite, lines)), output: () => lines };
  },
  "MultiSink (JsonLog + a broken sink)": ({ config, throwOnWrite }) => {
    const lines: string[] = [];
    const broken: EventSink = {
      emit() {
        throw new Error("broken sink");
      },
    };
    const sink = new MultiSink([broken, new JsonLogObservability({ ...config, write: failingOr(throwOnWrite, lines) })]);
    return { sink, output: () => lines };
  },
};

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
const toClose: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(toClose.splice(0).map((sink) => sink.close()));
});
afterAll(async () => {
  await receiver.close();
});
const scratch = mkdtempSync(join(tmpdir(), "modelmesh-sinks-"));
let serial = 0;

/** The lines a JSONL file sink wrote (none when the file was never created). */
function fileLines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : [];
}

/** Each event the receiver got on `path`, as JSON text, in arrival order. */
function receivedEvents(path: string): string[] {
  return receiver.postsTo(path).flatMap((post) => ((post.body as { events?: unknown[] }).events ?? []).map((event) => JSON.stringify(event)));
}

const asyncHarnesses: Record<string, (options: ObservabilityHarnessOptions) => ObservabilityHarness> = {
  FileObservability: ({ config, throwOnWrite }) => {
    let path = join(scratch, `contract-${++serial}`, "events.jsonl");
    if (throwOnWrite) {
      // The folder the file should go in is a plain file: creating it fails, as an unwritable disk would.
      const blocker = join(scratch, `blocker-${serial}`);
      writeFileSync(blocker, "");
      path = join(blocker, "events.jsonl");
    }
    const sink = new FileObservability({ ...config, path });
    toClose.push(sink);
    return { sink, output: () => fileLines(path) };
  },
  WebhookObservability: ({ config, throwOnWrite }) => {
    const path = `/contract/${++serial}`;
    if (throwOnWrite) receiver.script(path, [{ status: 500 }]);
    const sink = new WebhookObservability({ ...config, url: `${receiver.url}${path}`, maxRetries: 0, flushIntervalMs: 60_000 });
    toClose.push(sink);
    return { sink, output: () => receivedEvents(path) };
  },
};

for (const [name, make] of Object.entries({ ...harnesses, ...asyncHarnesses })) observabilityContract(name, make);
observabilityContract(
  "PrometheusObservability",
  ({ config }) => {
    const sink = new PrometheusObservability(config);
    return { sink, output: () => sink.render().split("\n").filter((line) => line !== "" && !line.startsWith("#")) };
  },
  { aggregates: true },
);
observabilityContract("NullObservability", ({ config }) => ({ sink: new NullObservability(config), output: () => [] }), { discards: true });

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function randomString(length: number, alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join("");
}

describe("no key ever reaches any sink's output", () => {
  const keys = {
    openai: `sk-proj-${randomString(48)}`,
    anthropic: `sk-ant-api03-${randomString(93, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")}AA`,
    groq: `gsk_${randomString(52)}`,
    google: `AIza${randomString(35)}`,
    bearerToken: `${randomString(24)}.${randomString(40)}`,
    opaqueHeader: randomString(32, "0123456789abcdef"),
    googleHeader: randomString(39),
    // Shaped like nothing known: only the secret store's record of handed-out values can catch it.
    storeOnly: `corp-${randomString(28)}`,
  };

  function leakyEvents(): MeshEvent[] {
    const headers = {
      Authorization: `Bearer ${keys.bearerToken}`,
      "x-api-key": keys.opaqueHeader,
      "x-goog-api-key": keys.googleHeader,
      "api-key": keys.opaqueHeader,
    };
    const attemptEnd = {
      ...events.attemptFailed,
      severity: "error",
      error: {
        name: "AuthenticationError",
        code: "authentication_error",
        retryable: false,
        message: `401 Incorrect API key provided: ${keys.openai}`,
        body: { error: { message: `Invalid key ${keys.anthropic} (store value ${keys.storeOnly})` } },
        headers,
        request: { url: `https://generativelanguage.googleapis.com/v1beta/models?key=${keys.google}`, headers },
      },
    } as MeshEvent;
    return [
      attemptEnd,
      { ...events.modelDeactivated, severity: "error", reason: `rejected ${keys.groq}; ${keys.storeOnly}` },
      { timestamp: 1, severity: "error", component: "provider", type: "key-disabled", provider: "anthropic.llm.v1", models: ["claude"], reason: `key ${keys.anthropic} revoked` },
      {
        ...events.requestEnd,
        ok: false,
        error: { name: "AllProvidersExhaustedError", code: "all_providers_exhausted", retryable: false, message: `every model failed: ${keys.google} Bearer ${keys.bearerToken}`, attempts: [{ provider: "x", headers }] },
      },
      { ...events.budgetExceeded, scope: `key:${keys.storeOnly}` },
      // Fields the union does not have, as a custom middleware might add: field names alone must trigger scrubbing.
      { ...events.requestStart, apiKey: keys.opaqueHeader, api_key: keys.storeOnly, config: { apiKey: keys.opaqueHeader } } as MeshEvent,
      { timestamp: 2, severity: "info", component: "mesh", type: "config-reloaded", pools: [`chat-${keys.openai}`] },
      // Keys where metrics keep them: label values (pool, provider, model, budget scope).
      { ...events.requestEnd, pool: `pool-${keys.groq}`, provider: `p-${keys.storeOnly}`, model: `gpt-${keys.openai}` },
      { ...events.modelDeactivated, model: `model-${keys.google}` },
      { ...events.budgetExceeded, scope: `scope:${keys.anthropic}` },
    ];
  }

  function everySink(store: MemorySecretStore, route: "direct" | "multi") {
    const outputs: Record<string, string[]> = {};
    const filePath = join(scratch, `leak-${route}-${++serial}.jsonl`);
    const hookPath = `/leak/${route}/${serial}`;
    const collect = (name: string) => {
      const lines: string[] = [];
      outputs[name] = lines;
      return (line: string) => void lines.push(line);
    };
    const config = { logLevel: "full", minSeverity: "debug" } as const;
    const sinks: BaseObservability[] = [
      new NullObservability(config),
      new ConsoleObservability({ ...config, useColor: true, write: collect("console (colour)") }),
      new ConsoleObservability({ ...config, useColor: false, write: collect("console (plain)") }),
      new JsonLogObservability({ ...config, write: collect("json-log") }),
      new CallbackObservability({ ...config, callback: (event) => void collect("callback-events")(JSON.stringify(event)) }),
      new LinesObservability(config, collect("custom subclass")),
      new JsonLogObservability({ logLevel: "metadata", write: collect("json-log (metadata)") }),
      new ConsoleObservability({ logLevel: "summary", useColor: false, write: collect("console (summary)") }),
      new FileObservability({ ...config, path: filePath }),
      new WebhookObservability({ ...config, url: `${receiver.url}${hookPath}`, flushIntervalMs: 60_000 }),
      new PrometheusObservability(config),
    ];
    // Background writers and metrics are read once flushed.
    const collectLater = async () => {
      outputs["file"] = fileLines(filePath);
      outputs["webhook (what the receiver got)"] = receiver.postsTo(hookPath).map((post) => post.text);
      outputs["prometheus (render)"] = [(sinks.at(-1) as PrometheusObservability).render()];
      await Promise.all(sinks.map((sink) => sink.close()));
    };
    if (route === "direct") {
      // Each sink on its own must redact: the mesh registers the secret store's record with it.
      for (const sink of sinks) sink.useSecretValues(() => store.knownValues());
      return {
        emit: (event: MeshEvent) => sinks.forEach((sink) => sink.emit(event)),
        flush: async () => {
          await Promise.all(sinks.map((sink) => sink.flush()));
          await collectLater();
        },
        outputs,
      };
    }
    const rawLines = collect("raw sink behind MultiSink");
    const rawSink: EventSink = { emit: (event) => rawLines(JSON.stringify(event)) };
    const multi = new MultiSink([...sinks, rawSink], { redact: createRedactor(() => store.knownValues()) });
    // The mesh registers the secret store once; MultiSink passes it to every member.
    multi.useSecretValues(() => store.knownValues());
    return {
      emit: (event: MeshEvent) => multi.emit(event),
      flush: async () => {
        await multi.flush();
        await collectLater();
      },
      outputs,
    };
  }

  for (const route of ["direct", "multi"] as const) {
    it(`feeds real-looking keys through every sink (${route}) and finds none of them in any output`, async () => {
      const store = new MemorySecretStore({ secrets: { OPENAI_API_KEY: keys.openai, CORP_TOKEN: keys.storeOnly, X_KEY: keys.opaqueHeader } });
      // Handing the keys out is what makes them known to the redactor.
      await store.get("OPENAI_API_KEY");
      await store.get("CORP_TOKEN");
      await store.get("X_KEY");
      const { emit, flush, outputs } = everySink(store, route);
      const emitted = leakyEvents();
      const snapshot = JSON.stringify(emitted);
      for (const event of emitted) emit(event);
      await flush();

      expect(JSON.stringify(emitted)).toBe(snapshot);
      const names = Object.keys(outputs);
      expect(names.length).toBeGreaterThanOrEqual(10);
      for (const name of names) {
        const text = (outputs[name] ?? []).join("\n");
        expect(text.length, `${name} wrote something`).toBeGreaterThan(0);
        for (const [label, key] of Object.entries(keys)) {
          expect(text.includes(key), `${name} leaked the ${label} key`).toBe(false);
          // A partial leak is still a leak: no 12-character run of the key's tail may appear.
          expect(text.includes(key.slice(-12)), `${name} leaked the tail of the ${label} key`).toBe(false);
        }
      }
      expect(outputs["json-log"]?.join("\n")).toContain(REDACTED);
      // The keys did reach the places they were pushed into, scrubbed: a label, a received batch, a file line.
      expect(outputs["prometheus (render)"]?.join("\n")).toContain(`model="gpt-${REDACTED}"`);
      expect(outputs["webhook (what the receiver got)"]?.join("\n")).toContain(REDACTED);
      expect(outputs["file"]?.join("\n")).toContain(REDACTED);
    });
  }

  it("catches a key known only to the secret store, with no pattern to match it", () => {
    const redact = createRedactor(() => [keys.storeOnly]);
    expect(JSON.stringify(redact({ note: `value ${keys.storeOnly} here` }))).not.toContain(keys.storeOnly);
    expect(redactText(`value ${keys.storeOnly} here`)).toContain(keys.storeOnly);
  });
});

describe("createRedactor", () => {
  it("replaces known secrets, longest first, and ignores values too short to be keys", () => {
    const redact = createRedactor(() => ["abcdef", "abcdefghijkl", "abc", ""]);
    expect(redact({ text: "x abcdefghijkl y abcdef z abc" })).toEqual({ text: `x ${REDACTED} y ${REDACTED} z abc` });
  });

  it("scrubs provider key shapes in any string", () => {
    const samples = [
      `sk-${randomString(40)}`,
      `sk-proj-${randomString(48)}`,
      `sk-ant-api03-${randomString(80)}`,
      `sk-or-v1-${randomString(64, "0123456789abcdef")}`,
      `gsk_${randomString(52)}`,
      `AIza${randomString(35)}`,
      `xai-${randomString(80)}`,
      `pplx-${randomString(48)}`,
      `tvly-${randomString(32)}`,
      `jina_${randomString(60)}`,
      `fc-${randomString(32, "0123456789abcdef")}`,
      `hf_${randomString(34)}`,
    ];
    for (const sample of samples) expect(redactText(`error: key "${sample}" rejected`)).toBe(`error: key "${REDACTED}" rejected`);
    expect(redactText(`Authorization: Bearer ${randomString(30)}.${randomString(10)}`)).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactText("https://host/v1/models?alt=sse&key=AbC123xyz&x=1")).toBe(`https://host/v1/models?alt=sse&key=${REDACTED}&x=1`);
  });

  it("leaves ordinary text alone", () => {
    const text = "task-management-system and risk-assessment; Bearer; the sk-learn library; 3 tokens";
    expect(redactText(text)).toBe(text);
  });

  it("blanks header-like fields whatever their value, in any spelling", () => {
    const redact = createRedactor();
    const result = redact({
      headers: { Authorization: "opaque", "X-Api-Key": "opaque", "api-key": "opaque", "x-goog-api-key": "opaque", "content-type": "application/json" },
      apiKey: "opaque",
      api_key: 12345,
      nested: [{ ApiKey: { deep: "opaque" } }],
      secretName: "OPENAI_API_KEY",
      totalTokens: 10,
      empty: { authorization: "" },
    });
    expect(result).toEqual({
      headers: { Authorization: REDACTED, "X-Api-Key": REDACTED, "api-key": REDACTED, "x-goog-api-key": REDACTED, "content-type": "application/json" },
      apiKey: REDACTED,
      api_key: REDACTED,
      nested: [{ ApiKey: REDACTED }],
      secretName: "OPENAI_API_KEY",
      totalTokens: 10,
      empty: { authorization: "" },
    });
  });

  it("deep-copies without touching the input, and survives cycles, errors, dates, maps and bytes", () => {
    const secret = `sk-proj-${randomString(48)}`;
    const input: Record<string, unknown> = { list: [{ note: secret }], when: new Date(5), map: new Map([["k", secret]]), bytes: new Uint8Array(4) };
    input.self = input;
    input.error = Object.assign(new Error(`failed with ${secret}`), { status: 401 });
    const output = createRedactor()(input) as Record<string, unknown>;
    expect((input.list as Array<{ note: string }>)[0]?.note).toBe(secret);
    expect(output.self).toBe("[Circular]");
    expect(output.when).toEqual(new Date(5));
    expect(output.when).not.toBe(input.when);
    expect(output.map).toEqual({ k: REDACTED });
    expect(output.bytes).toBe("[4 bytes]");
    expect(output.error).toEqual({ name: "Error", message: `failed with ${REDACTED}`, status: 401 });
    expect(JSON.stringify(output)).not.toContain(secret);
  });

  it("still scrubs key shapes when the secret source throws", () => {
    const redact = createRedactor(() => {
      throw new Error("store unavailable");
    });
    expect(redact({ text: "sk-proj-abcdefghijklmnopqrstuvwxyz0123" })).toEqual({ text: REDACTED });
  });

  it("keeps a repeated (non-cyclic) reference as two copies", () => {
    const shared = { a: 1 };
    expect(createRedactor()({ first: shared, second: shared })).toEqual({ first: { a: 1 }, second: { a: 1 } });
  });
});

describe("BaseObservability", () => {
  it("lists the summary event types", () => {
    expect([...SUMMARY_EVENT_TYPES].sort()).toEqual(["budget-alert", "budget-exceeded", "key-disabled", "model-deactivated", "model-recovered", "request-end", "stats"]);
  });

  it("says in advance whether an event would be delivered", () => {
    const sink = new LinesObservability({ logLevel: "summary", minSeverity: "warning" }, () => {});
    expect(sink.accepts("model-deactivated", "warning")).toBe(true);
    expect(sink.accepts("model-deactivated", "info")).toBe(false);
    expect(sink.accepts("attempt-end", "error")).toBe(false);
    expect(new NullObservability().accepts("request-end", "error")).toBe(false);
  });

  it("applies a custom redact after the built-in one, and drops the event if it throws", () => {
    const lines: string[] = [];
    const seen: string[] = [];
    const sink = new LinesObservability(
      {
        redact: (event) => {
          seen.push(JSON.stringify(event));
          return { ...event, requestId: "hidden" };
        },
      },
      (line) => lines.push(line),
    );
    sink.emit({ ...events.requestStart, pool: "sk-proj-abcdefghijklmnopqrstuvwxyz0123" });
    expect(seen[0]).not.toContain("sk-proj-");
    expect(JSON.parse(lines[0] ?? "{}").requestId).toBe("hidden");

    const errors: unknown[] = [];
    const dropping = new LinesObservability(
      {
        redact: () => {
          throw new Error("redactor bug");
        },
        onError: (error) => errors.push(error),
      },
      (line) => lines.push(line),
    );
    dropping.emit(events.requestStart);
    expect(lines).toHaveLength(1);
    expect(errors).toHaveLength(1);
  });

  it("picks up secret values registered later through useSecretValues", () => {
    const lines: string[] = [];
    const sink = new LinesObservability({}, (line) => lines.push(line));
    const values: string[] = [];
    sink.useSecretValues(() => values);
    values.push("late-secret-value");
    sink.emit({ ...events.modelDeactivated, reason: "saw late-secret-value" });
    expect(lines[0]).not.toContain("late-secret-value");
  });
});

describe("NullObservability", () => {
  it("does not even look at the event", () => {
    const untouchable = new Proxy({} as MeshEvent, {
      get() {
        throw new Error("read");
      },
      ownKeys() {
        throw new Error("enumerated");
      },
    });
    expect(() => new NullObservability({ logLevel: "full", minSeverity: "debug" }).emit(untouchable)).not.toThrow();
    expect(NullObservability.connectorId).toBe("modelmesh.null.v1");
  });
});

describe("ConsoleObservability", () => {
  it("writes a readable line with key=value details", () => {
    const lines: string[] = [];
    new ConsoleObservability({ useColor: false, write: (line) => lines.push(line) }).emit({ ...events.modelDeactivated, reason: "3 consecutive failures" });
    expect(lines[0]).toBe(
      '2025-01-01T12:00:00.000Z WARN  pool model-deactivated requestId=req-1 provider=openai.llm.v1 model=gpt-4o reason="3 consecutive failures" cooldownUntil=1735732860000',
    );
  });

  it("colours the severity only when asked or on a terminal", () => {
    const lines: string[] = [];
    const write = (line: string) => lines.push(line);
    new ConsoleObservability({ useColor: true, write }).emit(events.budgetExceeded);
    expect(lines[0]).toContain("\u001b[31mERROR\u001b[0m");
    new ConsoleObservability({ useColor: false, write }).emit(events.budgetExceeded);
    expect(lines[1]).not.toContain("\u001b[");

    vi.stubEnv("NO_COLOR", "");
    vi.stubEnv("FORCE_COLOR", "1");
    new ConsoleObservability({ write }).emit(events.budgetExceeded);
    expect(lines[2]).toContain("\u001b[31m");
    vi.stubEnv("FORCE_COLOR", undefined as unknown as string);
    vi.stubEnv("NO_COLOR", "1");
    new ConsoleObservability({ write }).emit(events.budgetExceeded);
    expect(lines[3]).not.toContain("\u001b[");
  });

  it("follows stdout.isTTY when colour is not configured", () => {
    vi.stubEnv("NO_COLOR", "");
    vi.stubEnv("FORCE_COLOR", undefined as unknown as string);
    delete process.env.FORCE_COLOR;
    const lines: string[] = [];
    const original = process.stdout.isTTY;
    try {
      process.stdout.isTTY = true;
      new ConsoleObservability({ write: (line) => lines.push(line) }).emit(events.requestEnd);
      process.stdout.isTTY = false;
      new ConsoleObservability({ write: (line) => lines.push(line) }).emit(events.requestEnd);
    } finally {
      process.stdout.isTTY = original;
    }
    expect(lines[0]).toContain("\u001b[36mINFO");
    expect(lines[1]).not.toContain("\u001b[");
  });

  it("routes to console.log, console.warn and console.error by severity by default", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const sink = new ConsoleObservability({ useColor: false });
    sink.emit(events.requestEnd);
    sink.emit(events.modelDeactivated);
    sink.emit(events.budgetExceeded);
    expect(log).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(error).toHaveBeenCalledTimes(1);
  });
});

describe("JsonLogObservability", () => {
  it("writes one parseable JSON object per line with an ISO time", () => {
    const lines: string[] = [];
    const sink = new JsonLogObservability({ write: (line) => lines.push(line) });
    sink.emit(events.requestEnd);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
    expect(JSON.parse(lines[0] ?? "")).toEqual({ time: "2025-01-01T12:00:00.000Z", ...events.requestEnd });
  });

  it("defaults to console.log and answers to its alias", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    new JsonLogObservability().emit(events.requestEnd);
    expect(log).toHaveBeenCalledTimes(1);
    expect(JsonLogObservability.connectorId).toBe("modelmesh.json-log.v1");
    expect(JsonLogObservability.aliases).toContain("modelmesh.jsonlog.v1");
  });
});

describe("CallbackObservability", () => {
  it("hands over a redacted structured copy", () => {
    const received: MeshEvent[] = [];
    const event = { ...events.modelDeactivated, reason: `bad key ${["sk", "ant", "api03", "abcdefghijklmnopqrstuvwxyz"].join("-")}` };
    new CallbackObservability({ callback: (delivered) => void received.push(delivered) }).emit(event);
    expect(received[0]).toEqual({ ...event, reason: `bad key ${REDACTED}` });
    expect(received[0]).not.toBe(event);
  });

  it("reports a rejecting callback to onError", async () => {
    const errors: unknown[] = [];
    new CallbackObservability({ callback: async () => Promise.reject(new Error("down")), onError: (error) => errors.push(error) }).emit(events.requestEnd);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(errors).toHaveLength(1);
  });

  it("needs a callback", () => {
    expect(() => new CallbackObservability({} as never)).toThrow(ConfigError);
  });
});

describe("MultiSink", () => {
  it("keeps delivering to the other sinks when one throws, and reports it", () => {
    const received: string[] = [];
    const errors: unknown[] = [];
    const broken: EventSink = {
      emit() {
        throw new Error("boom");
      },
    };
    const sink = new MultiSink([broken, { emit: (event) => void received.push(event.type) }], { onError: (error) => errors.push(error) });
    expect(() => sink.emit(events.requestEnd)).not.toThrow();
    expect(received).toEqual(["request-end"]);
    expect(errors).toHaveLength(1);
  });

  it("redacts once before plain sinks see the event, and drops it if redaction throws", () => {
    const received: string[] = [];
    const raw: EventSink = { emit: (event) => void received.push(JSON.stringify(event)) };
    new MultiSink([raw], { redact: createRedactor(() => ["corp-secret-123"]) }).emit({ ...events.modelDeactivated, reason: "corp-secret-123" });
    expect(received[0]).not.toContain("corp-secret-123");
    const failing = new MultiSink([raw], {
      redact: () => {
        throw new Error("bug");
      },
    });
    failing.emit(events.requestEnd);
    expect(received).toHaveLength(1);
  });

  it("adds and removes sinks, and settles flush/close even when members fail", async () => {
    const errors: unknown[] = [];
    const failing: EventSink = { emit() {}, flush: async () => Promise.reject(new Error("flush")), close: async () => Promise.reject(new Error("close")) };
    const sink = new MultiSink([], { onError: (error) => errors.push(error) });
    sink.add(failing);
    expect(sink.sinks).toEqual([failing]);
    await expect(sink.flush()).resolves.toBeUndefined();
    await expect(sink.close()).resolves.toBeUndefined();
    expect(errors).toHaveLength(2);
    expect(sink.remove(failing)).toBe(true);
    expect(sink.remove(failing)).toBe(false);
  });
});

describe("redactsItself (the mesh skips its own deep copy only for these)", () => {
  it("is true for the package's sinks whose emit scrubs, false for a sink that overrides emit or a plain one", () => {
    class OwnEmit extends CallbackObservability {
      override emit(event: MeshEvent): void {
        void event;
      }
    }
    const callback = () => {};
    expect(redactsItself(new CallbackObservability({ callback }))).toBe(true);
    expect(redactsItself(new JsonLogObservability({ write: () => {} }))).toBe(true);
    expect(redactsItself(new PrometheusObservability())).toBe(true);
    expect(redactsItself(new OwnEmit({ callback }))).toBe(false);
    expect(redactsItself({ emit: () => {} })).toBe(false);
    expect(redactsItself(new MultiSink([new CallbackObservability({ callback })]))).toBe(false);
  });

  it("a sink scrubs with the secret source the mesh gives it, so an event it is handed raw leaves nothing behind", () => {
    const secret = "storeOnlyValue-4f9a2c7e1b88";
    const seen: string[] = [];
    const sink = new CallbackObservability({ callback: (event) => void seen.push(JSON.stringify(event)), minSeverity: "debug" });
    const metrics = new PrometheusObservability({ minSeverity: "debug" });
    for (const target of [sink, metrics]) target.useSecretValues(() => [secret]);
    const event = { type: "request-end", severity: "info", component: "router", timestamp: 1, requestId: "r", pool: "chat", provider: "p", model: `m-${secret}`, ok: true, latencyMs: 3, attempts: 1 } as MeshEvent;
    sink.emit(event);
    metrics.emit(event);
    expect(seen.join("\n")).not.toContain(secret);
    expect(seen.join("\n")).toContain(REDACTED);
    expect(metrics.render()).not.toContain(secret);
    expect(metrics.render()).toContain("modelmesh_requests_total");
  });
});

describe("redaction once, before any sink", () => {
  it("a fan-out scrubs each event once: sinks given the same secrets trust that copy instead of scrubbing again", () => {
    let reads = 0;
    const secret = `corp-${randomString(30)}`;
    const secretValues = () => {
      reads += 1;
      return [secret];
    };
    const lines: string[][] = [[], [], []];
    const sinks = lines.map((collected) => new JsonLogObservability({ write: (line) => collected.push(line) }));
    const redact = trackedRedactor(secretValues);
    for (const sink of sinks) {
      sink.useSecretValues(secretValues);
      trustRedactor(sink, redact);
    }
    const fanOut = new MultiSink(sinks, { redact, passRaw: scrubsWhatItKeeps });
    fanOut.emit({ ...events.modelDeactivated, reason: `rejected ${secret}` });
    // One read of the secrets = one scrub, for three sinks.
    expect(reads).toBe(1);
    for (const collected of lines) {
      expect(collected).toHaveLength(1);
      expect(collected[0]).toContain(`rejected ${REDACTED}`);
      expect(collected[0]).not.toContain(secret);
    }
    // Each sink got its own copy: what one changes, the others never see.
    expect(new Set(lines.map((collected) => collected[0])).size).toBe(1);
  });

  it("a sink with secrets of its own, or not trusting the redactor, scrubs again", () => {
    const meshSecret = `mesh-${randomString(30)}`;
    const ownSecret = `own-${randomString(30)}`;
    const meshValues = () => [meshSecret];
    const redact = trackedRedactor(meshValues);
    const withOwn: string[] = [];
    const own = new JsonLogObservability({ secretValues: () => [ownSecret], write: (line) => withOwn.push(line) });
    own.useSecretValues(meshValues);
    trustRedactor(own, redact);
    const untrusting: string[] = [];
    const plain = new JsonLogObservability({ write: (line) => untrusting.push(line) });
    new MultiSink([own, plain], { redact }).emit({ ...events.modelDeactivated, reason: `${meshSecret} ${ownSecret}` });
    expect(withOwn[0]).not.toContain(ownSecret);
    expect(withOwn[0]).not.toContain(meshSecret);
    expect(untrusting[0]).not.toContain(meshSecret);
  });

  it("a sink handed an event it does not trust (not made by a redactor it trusts) scrubs it", () => {
    const secret = `corp-${randomString(30)}`;
    const lines: string[] = [];
    const sink = new JsonLogObservability({ write: (line) => lines.push(line) });
    sink.useSecretValues(() => [secret]);
    trustRedactor(sink, trackedRedactor(() => [secret]));
    sink.emit({ ...events.modelDeactivated, reason: `rejected ${secret}` });
    expect(lines[0]).not.toContain(secret);
  });
});
