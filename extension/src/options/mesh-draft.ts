// The editable part of the stored mesh configuration (pools, their strategy, the global budget) as form rows, and
// back. Everything the form does not show is carried through untouched, so saving never drops a setting written in
// YAML. The configuration accepts snake_case and camelCase keys; the form writes camelCase and removes the other
// spelling (the SDK rejects a key given twice).
import { parseList } from "../ui/format.js";

/**
 * One pool as the form edits it (lists as typed text).
 * @example
 * const pool: PoolDraft = { name: "chat", capability: "chat-completion", strategy: "cost-first", providers: "openai, groq", models: "", rest: {} };
 */
export interface PoolDraft {
  name: string;
  capability: string;
  strategy: string;
  /** Comma-separated provider names; empty means every provider that serves the capability. */
  providers: string;
  models: string;
  /** The pool's other settings, kept as they were. */
  rest: Record<string, unknown>;
}

/**
 * The whole form: pools and the global budget's limits as typed.
 * @example
 * const draft: MeshDraft = { pools: [], dailyLimit: "5", monthlyLimit: "" };
 */
export interface MeshDraft {
  pools: PoolDraft[];
  dailyLimit: string;
  monthlyLimit: string;
  /**
   * The price budgets assume for a model that has none (USD per million input / output tokens, `budget.default_price`):
   * without one, a site or budget with a limit cannot use such a model (its cost could not be held to the limit).
   */
  defaultInputPrice?: string;
  defaultOutputPrice?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

const take = (record: Record<string, unknown>, camel: string, snake: string): unknown => {
  const value = record[camel] ?? record[snake];
  delete record[camel];
  delete record[snake];
  return value;
};

const listText = (value: unknown): string => (Array.isArray(value) ? value.filter((item) => typeof item === "string").join(", ") : typeof value === "string" ? value : "");
const numberText = (value: unknown): string => (typeof value === "number" && Number.isFinite(value) ? String(value) : "");

/**
 * Reads the form rows from a stored mesh configuration.
 * @example
 * draftOf({ pools: { chat: { capability: "chat-completion", strategy: "cost-first" } } }).pools[0]?.strategy // "cost-first"
 */
export function draftOf(mesh: Record<string, unknown>): MeshDraft {
  const pools = isRecord(mesh.pools) ? mesh.pools : {};
  const budget = isRecord(mesh.budget) ? { ...mesh.budget } : {};
  return {
    pools: Object.entries(pools).map(([name, value]) => {
      const rest = isRecord(value) ? { ...value } : {};
      const capability = take(rest, "capability", "capability");
      const strategy = take(rest, "strategy", "strategy");
      return {
        name,
        capability: typeof capability === "string" ? capability : "",
        strategy: typeof strategy === "string" ? strategy : "",
        providers: listText(take(rest, "providers", "providers")),
        models: listText(take(rest, "models", "models")),
        rest,
      };
    }),
    dailyLimit: numberText(budget.dailyLimit ?? budget.daily_limit),
    monthlyLimit: numberText(budget.monthlyLimit ?? budget.monthly_limit),
    ...defaultPriceDraft(budget.defaultPrice ?? budget.default_price),
  };
}

function defaultPriceDraft(price: unknown): Pick<MeshDraft, "defaultInputPrice" | "defaultOutputPrice"> {
  if (!isRecord(price)) return { defaultInputPrice: "", defaultOutputPrice: "" };
  return { defaultInputPrice: numberText(price.input), defaultOutputPrice: numberText(price.output) };
}

/**
 * Writes the form rows back into a copy of the stored configuration; returns the problems instead when a row is
 * not valid (the worker validates the rest and answers with its own errors).
 * @example
 * applyDraft({}, { pools: [], dailyLimit: "5", monthlyLimit: "" }) // { mesh: { pools: {}, budget: { dailyLimit: 5 } } }
 */
export function applyDraft(mesh: Record<string, unknown>, draft: MeshDraft): { mesh: Record<string, unknown> } | { errors: string[] } {
  const errors: string[] = [];
  const pools: Record<string, unknown> = {};
  draft.pools.forEach((pool, index) => {
    const name = pool.name.trim();
    if (!name) errors.push(`Pool ${index + 1}: give it a name.`);
    else if (name in pools) errors.push(`Pool "${name}" is listed twice.`);
    if (!pool.capability.trim()) errors.push(`Pool "${name || index + 1}": choose a capability.`);
    const providers = parseList(pool.providers);
    const models = parseList(pool.models);
    pools[name] = {
      ...pool.rest,
      capability: pool.capability.trim(),
      ...(pool.strategy ? { strategy: pool.strategy } : {}),
      ...(providers.length > 0 ? { providers } : {}),
      ...(models.length > 0 ? { models } : {}),
    };
  });
  const budget: Record<string, unknown> = isRecord(mesh.budget) ? { ...mesh.budget } : {};
  for (const [camel, snake, text, label] of [
    ["dailyLimit", "daily_limit", draft.dailyLimit, "Daily limit"],
    ["monthlyLimit", "monthly_limit", draft.monthlyLimit, "Monthly limit"],
  ] as const) {
    delete budget[snake];
    delete budget[camel];
    const trimmed = text.trim();
    if (trimmed === "") continue;
    const value = Number(trimmed);
    if (!Number.isFinite(value) || value < 0) errors.push(`${label}: "${trimmed}" is not an amount of dollars.`);
    else budget[camel] = value;
  }
  delete budget.default_price;
  delete budget.defaultPrice;
  const input = (draft.defaultInputPrice ?? "").trim();
  const output = (draft.defaultOutputPrice ?? "").trim();
  if (input !== "" || output !== "") {
    const price: Record<string, number> = {};
    for (const [key, text, label] of [["input", input, "Default input price"], ["output", output, "Default output price"]] as const) {
      const value = Number(text === "" ? "0" : text);
      if (!Number.isFinite(value) || value < 0) errors.push(`${label}: "${text}" is not an amount of dollars per million tokens.`);
      else price[key] = value;
    }
    budget.defaultPrice = price;
  }
  if (errors.length > 0) return { errors };
  const next: Record<string, unknown> = { ...mesh, pools };
  if (Object.keys(budget).length > 0) next.budget = budget;
  else delete next.budget;
  return { mesh: next };
}

/**
 * The model ids configured for a provider (`providers.<id>.config.models`), for the options page's models field.
 * @example
 * providerModelIds({ providers: { "openai-compatible": { config: { models: [{ id: "llama3" }] } } } }, "openai-compatible") // ["llama3"]
 */
export function providerModelIds(mesh: Record<string, unknown>, provider: string): string[] {
  const block = isRecord(mesh.providers) ? mesh.providers[provider] : undefined;
  const config = isRecord(block) && isRecord(block.config) ? block.config : {};
  return Array.isArray(config.models) ? config.models.map((model) => (isRecord(model) ? model.id : model)).filter((id): id is string => typeof id === "string") : [];
}

/**
 * A copy of the configuration where a provider serves exactly these models. An OpenAI-compatible server has no
 * built-in model list, so the mesh knows its models only from here; models already configured keep their details
 * (pricing, capabilities), new ones are chat models (the SDK's default capability).
 * @example
 * withProviderModels({ mesh: {}, logContent: false }, "openai-compatible", ["llama3"]).mesh
 * // { providers: { "openai-compatible": { connector: "openai-compatible", config: { models: [{ id: "llama3" }] } } } }
 */
export function withProviderModels<C extends { mesh: Record<string, unknown> }>(config: C, provider: string, modelIds: string[]): C {
  const mesh = structuredClone(config.mesh);
  const providers = isRecord(mesh.providers) ? mesh.providers : {};
  const block = isRecord(providers[provider]) ? (providers[provider] as Record<string, unknown>) : {};
  const blockConfig = isRecord(block.config) ? block.config : {};
  const known = new Map<string, unknown>();
  if (Array.isArray(blockConfig.models)) for (const model of blockConfig.models) if (isRecord(model) && typeof model.id === "string") known.set(model.id, model);
  providers[provider] = {
    ...block,
    connector: typeof block.connector === "string" ? block.connector : provider,
    config: { ...blockConfig, models: modelIds.map((id) => known.get(id) ?? { id }) },
  };
  mesh.providers = providers;
  return { ...config, mesh };
}
