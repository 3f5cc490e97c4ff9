import { BudgetExceededError, type BudgetLimitType } from "../wire/errors.js";
import type { UsageCounts } from "../wire/events.js";
import type { ModelState } from "../wire/model-state.js";
import type { ModelPricing } from "../provider/provider.js";
import type { BudgetLimits } from "../wire/config-types.js";

// BudgetLimits lives in wire/ with the configuration types that name it; re-exported for this module's callers.
export type { BudgetLimits } from "../wire/config-types.js";

/** The top-level `budget:`: its own limits plus per-scope limits and the price of models without one. */
export interface GlobalBudget extends Partial<BudgetLimits> {
  /** Limits for named caller scopes (`create(body, { scope: "site:example.com" })`). */
  scopes?: Record<string, BudgetLimits>;
  /** Limits every scope not named in `scopes` gets, each scope counted on its own. */
  scopeDefault?: BudgetLimits;
  /** USD per million tokens for models with no price; unset, such a model is refused while an enforced budget applies. */
  defaultPrice?: ModelPricing;
}

/** Every budget of a configuration, by owner. */
export interface BudgetPlan {
  global?: GlobalBudget;
  /** By provider name. */
  providers: Map<string, BudgetLimits>;
  /** By `provider/model` key. */
  models: Map<string, BudgetLimits>;
  /** By pool name. */
  pools: Map<string, BudgetLimits>;
}

/** What one budget reports in `client.usage.budgets`. */
export interface BudgetPeriodReport {
  /** `2026-12-01` for a day, `2026-12` for a month (UTC). */
  period: string;
  limit: number | null;
  spent: number;
  /** Worst-case cost of requests in flight, held until they settle. */
  reserved: number;
  /** limit − spent − reserved (never below 0); null without a limit. */
  remaining: number | null;
}

export interface BudgetReport {
  enforce: boolean;
  perRequestLimit: number | null;
  daily: BudgetPeriodReport;
  monthly: BudgetPeriodReport;
}

/** Saved spend: per budget name, the day and month it belongs to. */
export type BudgetSnapshot = Record<string, { day: string; daySpent: number; month: string; monthSpent: number }>;

interface Counter {
  day: string;
  daySpent: number;
  month: string;
  monthSpent: number;
  reserved: number;
  alerted: Set<string>;
}

interface Applied {
  name: string;
  limits: BudgetLimits;
  counter: Counter;
}

/**
 * Worst-case cost held for one attempt until it settles. `cost` collects what the attempt really cost as it is booked.
 * @example
 * const reservation = ledger.reserve(where, state, features);
 */
export interface Reservation {
  amount: number;
  cost: number;
  billed: boolean;
  settled: boolean;
  applied: Applied[];
  /** The configured default price stood in for a model without one. */
  price?: ModelPricing;
}

export interface BudgetEvents {
  exceeded(event: { scope: string; limitType: string; limitValue: number; spent: number }): void;
  alert(event: { scope: string; limitType: string; limitValue: number; spent: number; threshold: number }): void;
}

/** What the worst case needs of a request (the router's `RequestFeatures`; not imported, so config.ts → budget.ts stays acyclic). */
export interface CostFeatures {
  operation: string;
  estimatedInputTokens: number;
  /** max_completion_tokens / max_tokens, 0 when the request sets none. */
  reservedOutputTokens: number;
}

/** Output tokens reserved when neither the request nor the model says how long the answer may be. */
export const DEFAULT_OUTPUT_TOKENS = 4_096;
/** Distinct scopes counted at once; past it, stale ones are dropped, and a new scope is refused when none is stale. */
export const MAX_BUDGET_SCOPES = 10_000;
/** Longest `scope` a caller may give. */
export const MAX_SCOPE_LENGTH = 256;

const dayOf = (now: number) => new Date(now).toISOString().slice(0, 10);
const monthOf = (now: number) => new Date(now).toISOString().slice(0, 7);
const round = (value: number) => Math.round(value * 1e9) / 1e9;

/** True when the table prices tokens or requests (a price table with only `readAt` prices nothing). */
function priced(pricing: ModelPricing | undefined): pricing is ModelPricing {
  return !!pricing && (pricing.input !== undefined || pricing.output !== undefined || pricing.perRequest !== undefined);
}

/**
 * USD cost of a request in the worst case: input tokens estimated from the request (4 characters a token, as
 * `estimateTokens`), output tokens as the request's `max_completion_tokens`/`max_tokens`, else the model's
 * `max_output_tokens`, else `DEFAULT_OUTPUT_TOKENS` (chat only; other operations produce no output tokens).
 * @example
 * worstCaseCost({ input: 1, output: 2 }, features, undefined); // (input × 1 + output × 2) / 1e6
 */
export function worstCaseCost(pricing: ModelPricing, features: CostFeatures, maxOutputTokens: number | undefined): number {
  const output = features.operation === "chat" ? features.reservedOutputTokens || maxOutputTokens || DEFAULT_OUTPUT_TOKENS : 0;
  return ((pricing.input ?? 0) * features.estimatedInputTokens + (pricing.output ?? 0) * output) / 1_000_000 + (pricing.perRequest ?? 0);
}

function priceOf(pricing: ModelPricing, usage: UsageCounts): number {
  return ((pricing.input ?? 0) * usage.promptTokens + (pricing.output ?? 0) * usage.completionTokens) / 1_000_000 + (pricing.perRequest ?? 0);
}

/**
 * Budget counters for every budget of a mesh. A request's worst case is checked against every budget that applies and
 * reserved in the same synchronous step (no `await` between check and reserve), so concurrent requests can never
 * together pass a limit that each alone would fit; the reservation is settled with the real cost when the attempt ends.
 * Counters outlive a reconfigure and are saved with the mesh's state.
 * @example
 * const ledger = new BudgetLedger(() => Date.now(), events);
 * ledger.configure({ global: { dailyLimit: 10, alertThreshold: 0.8, enforce: true }, providers: new Map(), models: new Map(), pools: new Map() });
 */
export class BudgetLedger {
  #plan: BudgetPlan = { providers: new Map(), models: new Map(), pools: new Map() };
  #counters = new Map<string, Counter>();
  #scopeCount = 0;

  constructor(
    private readonly now: () => number,
    private readonly events: BudgetEvents,
  ) {}

  configure(plan: BudgetPlan): void {
    this.#plan = plan;
  }

  /** True when any budget is configured (the router skips all budget work otherwise). */
  get active(): boolean {
    const plan = this.#plan;
    return !!plan.global || plan.providers.size > 0 || plan.models.size > 0 || plan.pools.size > 0;
  }

  /**
   * Checks the attempt's worst-case cost against every budget that applies and reserves it, or returns the
   * `BudgetExceededError` to raise (nothing reserved). Synchronous on purpose: see the class comment.
   */
  reserve(where: { pool: string; scope?: string }, state: ModelState, features: CostFeatures): Reservation | BudgetExceededError {
    const now = this.now();
    const applied = this.applicable(where, state, now);
    if (applied instanceof BudgetExceededError) return applied;
    const enforced = applied.filter((item) => item.limits.enforce);
    let pricing = state.info.pricing;
    let price: ModelPricing | undefined;
    if (!priced(pricing)) {
      price = this.#plan.global?.defaultPrice;
      if (!price && enforced.length > 0) {
        const first = enforced[0]!;
        const error = new BudgetExceededError({ limitType: "unpriced", limitValue: limitOf(first.limits), scope: first.name });
        error.message = `${first.name}: ${state.key} has no price, so its cost cannot be held against the budget; give the model a pricing or set budget.default_price`;
        this.events.exceeded({ scope: first.name, limitType: "unpriced", limitValue: limitOf(first.limits), spent: first.counter.daySpent });
        return error;
      }
      pricing = price;
    }
    const amount = pricing ? worstCaseCost(pricing, features, state.info.maxOutputTokens) : 0;
    for (const { name, limits, counter } of enforced) {
      const breach = this.breach(limits, counter, amount);
      if (breach) {
        const spent = breach.limitType === "monthly" ? counter.monthSpent : counter.daySpent;
        this.events.exceeded({ scope: name, limitType: breach.limitType, limitValue: breach.limitValue, spent });
        return new BudgetExceededError({ limitType: breach.limitType, limitValue: breach.limitValue, scope: name, spent });
      }
    }
    for (const item of applied) item.counter.reserved = round(item.counter.reserved + amount);
    return { amount, cost: 0, billed: false, settled: false, applied, ...(price ? { price } : {}) };
  }

  /** Adds what an attempt really cost (`usage` from the service, `cost` from the model's price table). */
  record(reservation: Reservation, usage: UsageCounts | undefined, cost: number, ok: boolean): void {
    if (reservation.settled) return;
    if (usage) {
      reservation.cost += reservation.price ? priceOf(reservation.price, usage) : cost;
      reservation.billed = true;
    } else if (ok) {
      // Served but the service reported no usage: the worst case is all we know, so it is what counts.
      reservation.cost += reservation.amount;
      reservation.billed = true;
    } else if (cost > 0) {
      reservation.cost += cost;
      reservation.billed = true;
    }
  }

  /** Releases the reservation and books the real cost in the current day and month; alerts once per period. */
  settle(reservation: Reservation): void {
    if (reservation.settled) return;
    reservation.settled = true;
    const now = this.now();
    const cost = reservation.billed ? reservation.cost : 0;
    for (const { name, limits, counter } of reservation.applied) {
      counter.reserved = Math.max(0, round(counter.reserved - reservation.amount));
      roll(counter, now);
      counter.daySpent = round(counter.daySpent + cost);
      counter.monthSpent = round(counter.monthSpent + cost);
      this.alert(name, limits, counter);
    }
  }

  /** Each budget's spend, reservations and what remains, for `client.usage.budgets`. */
  report(): Record<string, BudgetReport> {
    const now = this.now();
    const result: Record<string, BudgetReport> = {};
    for (const [name, limits] of this.definitions()) {
      const counter = this.counter(name, now) ?? fresh(now);
      const period = (limit: number | undefined, spent: number, label: string): BudgetPeriodReport => ({
        period: label,
        limit: limit ?? null,
        spent,
        reserved: counter.reserved,
        remaining: limit === undefined ? null : Math.max(0, round(limit - spent - counter.reserved)),
      });
      Object.defineProperty(result, name, {
        value: {
          enforce: limits.enforce,
          perRequestLimit: limits.perRequestLimit ?? null,
          daily: period(limits.dailyLimit, counter.daySpent, counter.day),
          monthly: period(limits.monthlyLimit, counter.monthSpent, counter.month),
        },
        enumerable: true,
      });
    }
    return result;
  }

  /** Spend to save (reservations are not: a request in flight when the process ends is settled by nobody). */
  snapshot(): BudgetSnapshot {
    const result: BudgetSnapshot = {};
    for (const [name, counter] of this.#counters) {
      Object.defineProperty(result, name, { value: { day: counter.day, daySpent: counter.daySpent, month: counter.month, monthSpent: counter.monthSpent }, enumerable: true });
    }
    return result;
  }

  /** Replaces the counters' spend with saved spend (replaces, never adds: a restored mesh counts each dollar once). */
  restore(snapshot: unknown): void {
    if (typeof snapshot !== "object" || snapshot === null) return;
    const now = this.now();
    for (const name of Object.keys(snapshot)) {
      const saved = (snapshot as Record<string, unknown>)[name] as Record<string, unknown> | null;
      if (typeof saved !== "object" || saved === null) continue;
      const counter = this.counter(name, now, true);
      if (!counter) continue;
      if (typeof saved.day === "string" && saved.day === counter.day) counter.daySpent = amountOf(saved.daySpent);
      if (typeof saved.month === "string" && saved.month === counter.month) counter.monthSpent = amountOf(saved.monthSpent);
    }
  }

  private *definitions(): Iterable<[string, BudgetLimits]> {
    const { global, providers, models, pools } = this.#plan;
    if (global && hasLimits(global)) yield ["global", globalLimits(global)];
    for (const [name, limits] of providers) yield [`provider:${name}`, limits];
    for (const [name, limits] of models) yield [`model:${name}`, limits];
    for (const [name, limits] of pools) yield [`pool:${name}`, limits];
    for (const [name, limits] of Object.entries(global?.scopes ?? {})) yield [`scope:${name}`, limits];
    if (global?.scopeDefault) {
      for (const name of this.#counters.keys()) {
        if (name.startsWith("scope:") && !Object.hasOwn(global.scopes ?? {}, name.slice(6))) yield [name, global.scopeDefault];
      }
    }
  }

  private applicable(where: { pool: string; scope?: string }, state: ModelState, now: number): Applied[] | BudgetExceededError {
    const { global, providers, models, pools } = this.#plan;
    const found: Array<[string, BudgetLimits | undefined]> = [
      ["global", global && hasLimits(global) ? globalLimits(global) : undefined],
      [`provider:${state.providerId}`, providers.get(state.providerId)],
      [`model:${state.key}`, models.get(state.key)],
      [`pool:${where.pool}`, pools.get(where.pool)],
    ];
    if (where.scope !== undefined) {
      const named = global?.scopes && Object.hasOwn(global.scopes, where.scope) ? global.scopes[where.scope] : undefined;
      found.push([`scope:${where.scope}`, named ?? global?.scopeDefault]);
    }
    const applied: Applied[] = [];
    for (const [name, limits] of found) {
      if (!limits) continue;
      const counter = this.counter(name, now, true);
      if (!counter) {
        // Refused rather than uncounted: a scope nobody can count must not spend unchecked.
        return new BudgetExceededError({ limitType: "scopes", limitValue: MAX_BUDGET_SCOPES, scope: name });
      }
      applied.push({ name, limits, counter });
    }
    return applied;
  }

  private counter(name: string, now: number, create = false): Counter | undefined {
    let counter = this.#counters.get(name);
    if (counter) {
      roll(counter, now);
      return counter;
    }
    if (!create) return undefined;
    if (name.startsWith("scope:")) {
      if (this.#scopeCount >= MAX_BUDGET_SCOPES) this.prune(now);
      if (this.#scopeCount >= MAX_BUDGET_SCOPES) return undefined;
      this.#scopeCount += 1;
    }
    counter = fresh(now);
    this.#counters.set(name, counter);
    return counter;
  }

  /** Drops scope counters with nothing in flight and nothing spent this month. */
  private prune(now: number): void {
    for (const [name, counter] of this.#counters) {
      if (!name.startsWith("scope:") || counter.reserved > 0) continue;
      roll(counter, now);
      if (counter.monthSpent === 0) {
        this.#counters.delete(name);
        this.#scopeCount -= 1;
      }
    }
  }

  private breach(limits: BudgetLimits, counter: Counter, amount: number): { limitType: BudgetLimitType; limitValue: number } | undefined {
    if (limits.perRequestLimit !== undefined && amount > limits.perRequestLimit) return { limitType: "per-request", limitValue: limits.perRequestLimit };
    // Rounded to a billionth of a dollar, so 50 × $0.008 fits a $0.40 limit despite binary fractions.
    if (limits.dailyLimit !== undefined && round(counter.daySpent + counter.reserved + amount) > limits.dailyLimit) return { limitType: "daily", limitValue: limits.dailyLimit };
    if (limits.monthlyLimit !== undefined && round(counter.monthSpent + counter.reserved + amount) > limits.monthlyLimit) return { limitType: "monthly", limitValue: limits.monthlyLimit };
    return undefined;
  }

  private alert(name: string, limits: BudgetLimits, counter: Counter): void {
    for (const [limitType, limit, spent, period] of [
      ["daily", limits.dailyLimit, counter.daySpent, counter.day],
      ["monthly", limits.monthlyLimit, counter.monthSpent, counter.month],
    ] as const) {
      if (limit === undefined || spent < limits.alertThreshold * limit) continue;
      const key = `${limitType}:${period}`;
      if (counter.alerted.has(key)) continue;
      counter.alerted.add(key);
      this.events.alert({ scope: name, limitType, limitValue: limit, spent, threshold: limits.alertThreshold });
    }
  }
}

function fresh(now: number): Counter {
  return { day: dayOf(now), daySpent: 0, month: monthOf(now), monthSpent: 0, reserved: 0, alerted: new Set() };
}

/** A new UTC day (or month) starts its spend at 0; alerts of past periods are forgotten. */
function roll(counter: Counter, now: number): void {
  const day = dayOf(now);
  if (counter.day === day) return;
  counter.day = day;
  counter.daySpent = 0;
  const month = monthOf(now);
  if (counter.month !== month) {
    counter.month = month;
    counter.monthSpent = 0;
  }
  for (const key of counter.alerted) if (!key.endsWith(day) && !key.endsWith(month)) counter.alerted.delete(key);
}

function hasLimits(limits: Partial<BudgetLimits>): boolean {
  return limits.dailyLimit !== undefined || limits.monthlyLimit !== undefined || limits.perRequestLimit !== undefined;
}

function globalLimits(global: GlobalBudget): BudgetLimits {
  const limits: BudgetLimits = { alertThreshold: global.alertThreshold ?? 0.8, enforce: global.enforce ?? true };
  if (global.dailyLimit !== undefined) limits.dailyLimit = global.dailyLimit;
  if (global.monthlyLimit !== undefined) limits.monthlyLimit = global.monthlyLimit;
  if (global.perRequestLimit !== undefined) limits.perRequestLimit = global.perRequestLimit;
  return limits;
}

function limitOf(limits: BudgetLimits): number {
  return limits.dailyLimit ?? limits.monthlyLimit ?? limits.perRequestLimit ?? 0;
}

const amountOf = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0);
