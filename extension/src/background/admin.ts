import { ModelMesh, ModelMeshError, create, isModelMeshError, type MeshClient } from "modelmesh/static";
import { parse, stringify } from "yaml";
import type { ActivityEntry, AdminHandlers, AdminReply, AdminType, ExtensionConfig, KeyTestResult, ModelStatus, StatusReport, UsageReport } from "../shared/protocol.ts";
import type { StoredItem } from "./stored-item.ts";
import type { KeyVault } from "./key-vault.ts";
import type { MeshRuntime } from "./mesh-runtime.ts";
import type { SiteRegistry } from "./sites.ts";
import type { ActivityLog } from "./activity-log.ts";
import { buildMeshConfig } from "./mesh-config.ts";
import { badMessage, serialize } from "./errors.ts";
import { isWebOrigin, siteScopeOf } from "./site-origin.ts";

/** Each handler of the map, async. */
export type AsyncAdminHandlers = { [Type in AdminType]: (params: Parameters<AdminHandlers[Type]>[0]) => Promise<ReturnType<AdminHandlers[Type]>> };

/**
 * What the admin handlers work on.
 * @example
 * const handlers = createAdminHandlers({ vault, runtime, sites, activity, config: configItem(area), fetch });
 */
export interface AdminContext {
  vault: KeyVault;
  runtime: MeshRuntime;
  sites: SiteRegistry;
  activity: ActivityLog;
  config: StoredItem<ExtensionConfig>;
  /** The configuration the mesh runs, from what is stored now (see `buildMeshConfig`). */
  meshConfig: () => Promise<Record<string, unknown>>;
  fetch?: typeof fetch;
  now?: () => number;
}

const PROVIDER_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
/** Longest key accepted: real provider keys are under 200 characters; this only bounds what is encrypted and stored. */
const MAX_KEY_LENGTH = 4_096;
const DAY_MS = 86_400_000;

/**
 * The one handler map behind every admin message (options page, popup, consent window). Each handler checks its own
 * parameters: they come from a page, even if it is one of ours.
 * @example
 * const reply = await handleAdminMessage(message, sender, handlers, chrome.runtime.id);
 */
export function createAdminHandlers(context: AdminContext): AsyncAdminHandlers {
  const { vault, runtime, sites, activity } = context;
  const now = context.now ?? Date.now;
  return {
    "keys.list": () => vault.list(),
    "keys.set": async ({ provider, apiKey, baseUrl }) => {
      requireProvider(provider);
      if (typeof apiKey !== "string" || apiKey.trim() === "" || apiKey.length > MAX_KEY_LENGTH) throw badMessage(`the key for ${provider} must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`);
      if (baseUrl !== undefined && baseUrl !== "" && !isHttpUrl(baseUrl)) throw badMessage(`the base URL for ${provider} must be an http(s) URL`);
      const info = await vault.set(provider, apiKey.trim(), baseUrl || undefined);
      await runtime.reload();
      return info;
    },
    "keys.remove": async ({ provider }) => {
      requireProvider(provider);
      const removed = await vault.remove(provider);
      await runtime.reload();
      return { removed };
    },
    "keys.test": async ({ provider }) => {
      requireProvider(provider);
      const result = await probe(context, provider, now);
      await vault.recordTest(provider, result);
      return result;
    },
    "config.get": () => context.config.get(),
    "config.set": async ({ config }) => applyConfig(context, config),
    "config.export": async () => ({ yaml: stringify((await context.config.get()).mesh) }),
    "config.import": async ({ yaml }) => {
      if (typeof yaml !== "string") throw badMessage("yaml must be text");
      let mesh: unknown;
      try {
        mesh = parse(yaml);
      } catch (error) {
        return { errors: [`the YAML cannot be read: ${error instanceof Error ? error.message : String(error)}`] };
      }
      const current = await context.config.get();
      return applyConfig(context, { ...current, mesh: (mesh ?? {}) as Record<string, unknown> });
    },
    // A worker Chrome just restarted has no mesh yet: these start it, so what they report is the restored state.
    "status.get": async () => status(await startedMesh(runtime), activity, now),
    "usage.get": async ({ days }) => usage(await startedMesh(runtime), activity, now, typeof days === "number" && days > 0 ? Math.min(days, 366) : 30),
    "sites.list": async () => {
      const [grants, today] = await Promise.all([sites.list(), activity.since(startOfDay(now()))]);
      const budgets = (await startedMesh(runtime))?.usage.budgets ?? {};
      return grants.map((grant) => ({ ...grant, spentToday: budgets[`scope:${siteScopeOf(grant.origin)}`]?.daily.spent ?? sum(today.filter((entry) => entry.origin === grant.origin)) }));
    },
    "sites.update": async ({ origin, budget, pools }) => {
      if (!isWebOrigin(origin)) throw badMessage("origin must be a site's origin, e.g. https://example.com");
      if (pools !== undefined && (!Array.isArray(pools) || pools.some((pool) => typeof pool !== "string"))) throw badMessage("pools must be a list of pool names");
      const updated = await sites.update(origin, budget, pools);
      if (!updated) throw badMessage(`${origin} has no grant to update`);
      return updated;
    },
    "sites.revoke": async ({ origin }) => ({ revoked: await sites.revoke(origin) }),
    "activity.list": ({ origin, limit }) => activity.list(typeof origin === "string" ? origin : undefined, typeof limit === "number" && limit > 0 ? Math.min(limit, 1_000) : 100),
    "consent.get": async ({ consentId }) => sites.pending(consentId),
    "consent.decide": async ({ consentId, decision, budget }) => {
      if (!["once", "always", "deny"].includes(decision)) throw badMessage("decision must be once, always or deny");
      if (!(await sites.decide(consentId, decision, budget))) throw badMessage("this consent request is no longer pending");
      return { ok: true as const };
    },
  };
}

/**
 * Answers one admin message, from the extension's own pages only: `sender.id` is this extension and the sending
 * page's URL is under `chrome-extension://<id>/` (a content script's sender URL is the web page's).
 * Returns undefined for a message that is not ours (no reply).
 */
export async function handleAdminMessage(message: unknown, sender: { id?: string; url?: string }, handlers: AsyncAdminHandlers, extensionId: string): Promise<AdminReply | undefined> {
  if (sender.id !== extensionId || !sender.url?.startsWith(`chrome-extension://${extensionId}/`)) return undefined;
  if (typeof message !== "object" || message === null) return undefined;
  const { type, ...params } = message as { type?: unknown };
  if (typeof type !== "string" || !Object.hasOwn(handlers, type)) return { ok: false, error: serialize(badMessage(`unknown admin message ${JSON.stringify(String(type)).slice(0, 80)}`)) };
  try {
    const value = await (handlers[type as AdminType] as (params: unknown) => Promise<unknown>)(params);
    return { ok: true, value } as AdminReply;
  } catch (error) {
    return { ok: false, error: serialize(error) };
  }
}

async function applyConfig(context: AdminContext, config: ExtensionConfig): Promise<{ errors: string[] }> {
  if (typeof config !== "object" || config === null || typeof config.mesh !== "object" || config.mesh === null || Array.isArray(config.mesh)) return { errors: ["config.mesh must be a ModelMesh configuration object"] };
  const keyPaths = keyFields(config.mesh);
  if (keyPaths.length > 0) return { errors: [`the configuration holds API keys (${keyPaths.join(", ")}); set keys under Keys: they are kept encrypted, never in configuration`] };
  const next: ExtensionConfig = { mesh: config.mesh, logContent: config.logContent === true };
  const previous = await context.config.get();
  await context.config.set(next);
  const built = await context.meshConfig();
  try {
    ModelMesh.validate({ config: built });
  } catch (error) {
    await context.config.set(previous);
    return { errors: [error instanceof Error ? error.message : String(error)] };
  }
  const running = await context.runtime.running();
  if (running) {
    const errors = await running.mesh.reconfigure(built);
    if (errors.length > 0) {
      await context.config.set(previous);
      return { errors };
    }
  }
  return { errors: [] };
}

/** A real call: one 1-token chat to the provider, through a mesh of that provider alone, with the stored key. */
async function probe(context: AdminContext, provider: string, now: () => number): Promise<KeyTestResult> {
  const at = now();
  const names = await context.vault.providers();
  if (!names.includes(provider)) return { ok: false, at, latencyMs: 0, error: `no key is set for ${provider}` };
  const config = await context.config.get();
  const built = buildMeshConfig(config, [provider], await context.vault.metadataOf(), {});
  const block = (built.providers as Record<string, unknown>)[provider];
  if (!block) return { ok: false, at, latencyMs: 0, error: `${provider} is not a built-in provider and has no entry under providers in the configuration` };
  let client: MeshClient | undefined;
  const started = now();
  try {
    client = create({
      config: { providers: { [provider]: block }, pools: { probe: { capability: "chat-completion", providers: [provider], retry: { max_retries: 0, max_attempts: 1 } } } },
      secrets: { instance: context.vault.store },
      ...(context.fetch ? { fetch: context.fetch } : {}),
    });
    const response = await client.chat.completions.create({ model: "probe", messages: [{ role: "user", content: "ping" }], max_tokens: 1 });
    return { ok: true, at, latencyMs: now() - started, model: response.model };
  } catch (error) {
    const message = isModelMeshError(error) ? (error as ModelMeshError).message : error instanceof Error ? error.message : String(error);
    return { ok: false, at, latencyMs: now() - started, error: message };
  } finally {
    await client?.close().catch(() => undefined);
  }
}

function status(client: MeshClient | undefined, activity: ActivityLog, now: () => number): Promise<StatusReport> {
  return (async () => {
    const month = await activity.since(startOfMonth(now()));
    const spendToday = sum(month.filter((entry) => entry.at >= startOfDay(now())));
    const models: StatusReport["models"] = [];
    if (client) {
      const budgets = client.usage.budgets;
      const exhausted = (name: string) => {
        const report = budgets[name];
        return !!report && report.enforce && (report.daily.remaining === 0 || report.monthly.remaining === 0);
      };
      for (const [pool, description] of Object.entries(client.describe().pools)) {
        for (const model of description.models) {
          let state: ModelStatus = model.status === "disabled" ? "disabled" : model.status === "cooldown" ? "cooling-down" : "active";
          if (state === "active" && (exhausted("global") || exhausted(`provider:${model.provider}`) || exhausted(`model:${model.provider}/${model.model}`) || exhausted(`pool:${pool}`))) state = "out-of-budget";
          models.push({ provider: model.provider, model: model.model, pool, status: state, ...(model.cooldownUntil ? { cooldownUntil: Date.parse(model.cooldownUntil) } : {}) });
        }
      }
    }
    return { models, spendToday, spendMonth: sum(month) };
  })();
}

async function usage(client: MeshClient | undefined, activity: ActivityLog, now: () => number, days: number): Promise<UsageReport> {
  const summary = client?.usage;
  const table = (rows: Record<string, { cost: number; requests: number }> | undefined) => Object.fromEntries(Object.entries(rows ?? {}).map(([name, row]) => [name, { cost: row.cost, requests: row.requests }]));
  const bySite: UsageReport["bySite"] = {};
  for (const [scope, row] of Object.entries(summary?.byScope ?? {})) if (scope.startsWith("site:")) bySite[scope.slice(5)] = { cost: row.cost, requests: row.requests };
  const since = startOfDay(now()) - (days - 1) * DAY_MS;
  const entries = await activity.since(since);
  const daily: UsageReport["daily"] = [];
  for (let day = since; day <= now(); day += DAY_MS) {
    const date = new Date(day).toISOString().slice(0, 10);
    daily.push({ date, cost: sum(entries.filter((entry) => new Date(entry.at).toISOString().slice(0, 10) === date)) });
  }
  const budgets: UsageReport["budgets"] = {};
  for (const [name, report] of Object.entries(summary?.budgets ?? {})) {
    const period = report.daily.limit !== null ? report.daily : report.monthly;
    budgets[name] = { spent: period.spent, reserved: period.reserved, remaining: period.remaining };
  }
  return { totalCost: summary?.totalCost ?? 0, requests: summary?.requests ?? 0, byModel: table(summary?.byModel), byProvider: table(summary?.byProvider), bySite, daily, budgets };
}

/** The running mesh, started if need be; undefined when it cannot start (no keys yet, a configuration error). */
const startedMesh = (runtime: MeshRuntime): Promise<MeshClient | undefined> => runtime.client().catch(() => undefined);

const sum = (entries: ActivityEntry[]) => Math.round(entries.reduce((total, entry) => total + (entry.cost || 0), 0) * 1e9) / 1e9;
const startOfDay = (time: number) => Date.UTC(new Date(time).getUTCFullYear(), new Date(time).getUTCMonth(), new Date(time).getUTCDate());
const startOfMonth = (time: number) => Date.UTC(new Date(time).getUTCFullYear(), new Date(time).getUTCMonth(), 1);

function requireProvider(provider: unknown): asserts provider is string {
  if (typeof provider !== "string" || !PROVIDER_NAME.test(provider)) throw badMessage("provider must be a provider name such as openai (letters, digits, . _ -)");
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** A key field by its very name: any literal value in it is a key. */
const KEY_FIELD = /^(api_?key|apikey|key|token|secret|authorization)$/i;
/**
 * A name with a key-like word among its parts (`x-api-key`, `X-Corp-Token`, `Ocp-Apim-Subscription-Key`, `clientSecret`):
 * the headers a provider's `headers:` may carry. Parts, not substrings, so `max_tokens` or `key_prefix`'s neighbours
 * are not caught; a short value (a prefix, a flag) is not taken for a key.
 */
const KEY_WORD = /(^|[-_.])(api[-_]?key|apikey|key|token|secret|password|passwd|credentials?|authorization|cookie|auth)($|[-_.])/i;
const SECRET_REFERENCE = /^\$\{secrets:[^}]+\}$/;

function holdsKey(name: string, item: unknown): boolean {
  if (typeof item !== "string" || item === "" || SECRET_REFERENCE.test(item)) return false;
  if (KEY_FIELD.test(name)) return true;
  const parts = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2");
  return KEY_WORD.test(parts) && item.length >= 8 && !/\s/.test(item.trim().replace(/^(bearer|basic|token)\s+/i, ""));
}

/** Dotted paths of fields that would hold a key (`api_key`, `apiKey`, `token`, a header such as `x-api-key`...) with a literal value. */
function keyFields(value: unknown, path = ""): string[] {
  if (typeof value !== "object" || value === null) return [];
  const found: string[] = [];
  for (const [name, item] of Object.entries(value)) {
    const here = path ? `${path}.${name}` : name;
    if (holdsKey(name, item)) found.push(here);
    else found.push(...keyFields(item, here));
  }
  return found;
}
