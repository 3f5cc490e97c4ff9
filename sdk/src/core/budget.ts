import { BudgetExceededError, StorageError, type BudgetLimitType, type ModelMeshError } from "../wire/errors.js";
import type { UsageCounts } from "../wire/events.js";
import type { ModelState } from "../wire/model-state.js";
import type { ModelPricing } from "../provider/provider.js";
import type { BudgetLimits } from "../wire/config-types.js";
import type { BaseStorage } from "../storage/storage.js";
import { BUDGET_JOURNAL_KEY, isSharedBudgetStore, readJournal, type BudgetJournal, type JournalReservation, type SharedBudgetState, type SharedBudgetStore } from "./budget-store.js";

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
  /** Unique across processes (a shared store files the reservation under it). */
  id: string;
  /** UTC day and month when it was made. */
  day: string;
  month: string;
  /** Set once it is held beyond this process: in the storage's journal, or by a shared store (Redis). */
  held?: "journal" | "shared";
  amount: number;
  cost: number;
  billed: boolean;
  settled: boolean;
  applied: Applied[];
  /** The configured default price stood in for a model without one. */
  price?: ModelPricing;
  /** The request it was made for, named in a refusal's `budget-exceeded` event. */
  request?: RequestOfBudget;
}

/** Which request a budget event is about. */
export interface RequestOfBudget {
  requestId?: string;
  pool: string;
  provider: string;
  model: string;
}

export interface BudgetEvents {
  exceeded(event: { scope: string; limitType: string; limitValue: number; spent: number } & Partial<RequestOfBudget>): void;
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
  return !!pricing && [pricing.input, pricing.output, pricing.perRequest, pricing.perCharacter, pricing.perSecond, pricing.perImage].some((price) => price !== undefined);
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
  // Speech: its characters (the token estimate is a quarter of them, rounded up). Images: one is held and the real
  // count settled; transcription seconds are unknown until the service answers, so they are settled only.
  const units = (pricing.perCharacter ?? 0) * features.estimatedInputTokens * 4 + (features.operation === "images" ? (pricing.perImage ?? 0) : 0);
  return ((pricing.input ?? 0) * features.estimatedInputTokens + (pricing.output ?? 0) * output) / 1_000_000 + units + (pricing.perRequest ?? 0);
}

function priceOf(pricing: ModelPricing, usage: UsageCounts): number {
  const units = (pricing.perCharacter ?? 0) * (usage.characters ?? 0) + (pricing.perSecond ?? 0) * (usage.seconds ?? 0) + (pricing.perImage ?? 0) * (usage.images ?? 0);
  return ((pricing.input ?? 0) * usage.promptTokens + (pricing.output ?? 0) * usage.completionTokens) / 1_000_000 + units + (pricing.perRequest ?? 0);
}

/**
 * Budget counters for every budget of a mesh. A request's worst case is checked against every budget that applies and
 * reserved in the same synchronous step (no `await` between check and reserve), so concurrent requests can never
 * together pass a limit that each alone would fit; the reservation is settled with the real cost when the attempt ends.
 * Counters outlive a reconfigure and are saved with the mesh's state.
 *
 * Beyond the process (`attach`): with a persistent storage, `commit` writes the reservation to the budget journal
 * (`modelmesh/budgets`: spend and reservations in flight, one entry, so both change together) before the request may
 * be sent; a reservation the process never settled (it crashed) counts as spent at its worst case on the next start,
 * and its real cost was never booked, so nothing is counted twice. Settlements are written with the next journal write
 * (batched): losing one to a crash only leaves the worst case booked instead of the real cost. With a storage that
 * reserves itself (`SharedBudgetStore`: Redis), `commit` checks and reserves there atomically, so processes sharing it
 * never overshoot together; the counters here then mirror the shared ones for `client.usage`.
 * @example
 * const ledger = new BudgetLedger(() => Date.now(), events);
 * ledger.configure({ global: { dailyLimit: 10, alertThreshold: 0.8, enforce: true }, providers: new Map(), models: new Map(), pools: new Map() });
 */
export class BudgetLedger {
  #plan: BudgetPlan = { providers: new Map(), models: new Map(), pools: new Map() };
  #counters = new Map<string, Counter>();
  #scopeCount = 0;
  /** Journal mode: the storage reservations are written to before a request is sent. */
  #journal: BaseStorage | undefined;
  /** Shared mode: the store that checks and reserves atomically for every process (Redis). */
  #shared: SharedBudgetStore | undefined;
  /** Reservations in flight, as the journal records them. */
  #open = new Map<string, JournalReservation>();
  #dirty = false;
  #queued: Promise<void> | undefined;
  #tail: Promise<void> = Promise.resolve();
  #settling = new Set<Promise<void>>();
  readonly #instance = instanceId();
  #sequence = 0;
  /** What the last start found in the journal: reservations a crash left unsettled, booked at their worst case. */
  recovered = { reservations: 0, amount: 0 };
  /** Journal writes made (each one replaces the journal entry; concurrent reservations share one). */
  journalWrites = 0;

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
  reserve(where: { pool: string; scope?: string; requestId?: string }, state: ModelState, features: CostFeatures): Reservation | BudgetExceededError {
    const now = this.now();
    const request: RequestOfBudget = { ...(where.requestId === undefined ? {} : { requestId: where.requestId }), pool: where.pool, provider: state.providerId, model: state.modelId };
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
        this.events.exceeded({ scope: first.name, limitType: "unpriced", limitValue: limitOf(first.limits), spent: first.counter.daySpent, ...request });
        return error;
      }
      pricing = price;
    }
    const amount = pricing ? worstCaseCost(pricing, features, state.info.maxOutputTokens) : 0;
    for (const { name, limits, counter } of enforced) {
      const breach = this.breach(limits, counter, amount);
      if (breach) {
        const spent = breach.limitType === "monthly" ? counter.monthSpent : counter.daySpent;
        this.events.exceeded({ scope: name, limitType: breach.limitType, limitValue: breach.limitValue, spent, ...request });
        const error = new BudgetExceededError({ limitType: breach.limitType, limitValue: breach.limitValue, scope: name, spent });
        // Not reached yet: this request's worst case (the model's longest answer at its price) is what does not fit.
        const left = round(breach.limitValue - (breach.limitType === "per-request" ? 0 : spent + counter.reserved));
        if (left > 0) error.message = `${name}: this request could cost up to $${round(amount)} (the model's longest answer at its price), more than the $${left} left of the ${breach.limitType} budget of $${breach.limitValue}; a lower max_tokens makes it fit`;
        return error;
      }
    }
    const id = `${this.#instance}-${(++this.#sequence).toString(36)}`;
    const reservation: Reservation = { id, day: dayOf(now), month: monthOf(now), amount, cost: 0, billed: false, settled: false, applied, request, ...(price ? { price } : {}) };
    // Shared mode: the shared store holds reservations; the counters here only mirror what it reports.
    if (this.#shared) return reservation;
    for (const item of applied) item.counter.reserved = round(item.counter.reserved + amount);
    if (this.#journal) this.#open.set(id, { amount, budgets: applied.map((item) => item.name), day: reservation.day, month: reservation.month, at: now });
    return reservation;
  }

  /**
   * Makes a reservation hold beyond this process before its request is sent: written to the journal (persistent
   * storage), or checked and reserved by the shared store (Redis), which may still refuse it (`BudgetExceededError`).
   * `undefined` (nothing to wait for) without either. When the storage fails, the reservation is released and a
   * `StorageError` returned if any budget it counts against is enforced (fail closed: spend nobody can count must
   * not happen); budgets that only count let the request go.
   * @example
   * const refused = await ledger.commit(reservation); if (refused) throw refused;
   */
  commit(reservation: Reservation): Promise<ModelMeshError | undefined> | undefined {
    if (reservation.settled) return undefined;
    if (this.#shared) return this.commitShared(this.#shared, reservation);
    if (this.#journal) return this.commitJournal(reservation);
    return undefined;
  }

  private async commitJournal(reservation: Reservation): Promise<ModelMeshError | undefined> {
    try {
      await this.writeJournal();
      reservation.held = "journal";
      return undefined;
    } catch (error) {
      const enforced = reservation.applied.find((item) => item.limits.enforce);
      if (!enforced) return undefined;
      this.release(reservation);
      return new StorageError(`${enforced.name}: the budget reservation could not be written to storage (${(error as Error).message}), so the request was not sent: an enforced budget must be able to count it`, { cause: error });
    }
  }

  private async commitShared(store: SharedBudgetStore, reservation: Reservation): Promise<ModelMeshError | undefined> {
    const budgets = reservation.applied.map(({ name, limits }) => ({
      name,
      enforce: limits.enforce,
      ...(limits.enforce && limits.dailyLimit !== undefined ? { dailyLimit: limits.dailyLimit } : {}),
      ...(limits.enforce && limits.monthlyLimit !== undefined ? { monthlyLimit: limits.monthlyLimit } : {}),
    }));
    let result;
    try {
      result = await store.reserveBudgets({ id: reservation.id, amount: reservation.amount, day: reservation.day, month: reservation.month, now: this.now(), budgets });
    } catch (error) {
      reservation.settled = true;
      const enforced = reservation.applied.find((item) => item.limits.enforce);
      if (!enforced) return undefined;
      return new StorageError(`${enforced.name}: the shared budget store could not reserve this request (${(error as Error).message}), so it was not sent: an enforced budget must be able to count it`, { cause: error });
    }
    if (!result.ok) {
      reservation.settled = true;
      this.events.exceeded({ scope: result.name, limitType: result.limitType, limitValue: result.limitValue, spent: result.spent, ...reservation.request });
      return new BudgetExceededError({ limitType: result.limitType, limitValue: result.limitValue, scope: result.name, spent: result.spent });
    }
    reservation.held = "shared";
    this.mirror(result.budgets);
    return undefined;
  }

  /** Takes a reservation back without booking anything (its request was never sent). */
  private release(reservation: Reservation): void {
    if (reservation.settled) return;
    reservation.settled = true;
    for (const { counter } of reservation.applied) counter.reserved = Math.max(0, round(counter.reserved - reservation.amount));
    if (this.#open.delete(reservation.id)) this.#dirty = true;
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
    if (reservation.held === "shared") {
      this.settleShared(this.#shared!, reservation, round(cost), now);
      return;
    }
    if (this.#shared) return;
    if (this.#open.delete(reservation.id)) this.#dirty = true;
    for (const { name, limits, counter } of reservation.applied) {
      counter.reserved = Math.max(0, round(counter.reserved - reservation.amount));
      roll(counter, now);
      counter.daySpent = round(counter.daySpent + cost);
      counter.monthSpent = round(counter.monthSpent + cost);
      this.alert(name, limits, counter);
    }
  }

  // Not awaited by the request: a settlement that fails leaves the reservation in the shared store until its lease
  // runs out, then it counts as spent at its worst case (over-counted, never under-counted).
  private settleShared(store: SharedBudgetStore, reservation: Reservation, cost: number, now: number): void {
    const settling = store.settleBudgets(reservation.id, cost, dayOf(now), monthOf(now), now).then(
      (states) => {
        this.mirror(states);
        for (const { name, limits, counter } of reservation.applied) if (states.some((state) => state.name === name)) this.alert(name, limits, counter);
      },
      () => undefined,
    );
    this.#settling.add(settling);
    void settling.finally(() => this.#settling.delete(settling));
  }

  /**
   * Connects the ledger to the mesh's storage. A storage that reserves itself (Redis) becomes the shared store; any
   * other persistent one keeps the journal, read here: spend comes back, and reservations a crash left unsettled
   * count as spent at their worst case. Memory storage keeps nothing across a restart, so it gets no journal.
   * @example
   * await ledger.attach(new LocalFileStorage({ path: "./mesh-state.json" }));
   */
  async attach(storage: BaseStorage): Promise<void> {
    this.#journal = undefined;
    this.#shared = undefined;
    if (isSharedBudgetStore(storage)) {
      this.#shared = storage;
      if (this.active) await this.refresh();
      return;
    }
    if (storage.id === "modelmesh.memory.v1") return;
    this.#journal = storage;
    const journal = readJournal(await storage.loadData(BUDGET_JOURNAL_KEY));
    this.restore(journal.counters);
    const now = this.now();
    let reservations = 0;
    let amount = 0;
    for (const open of Object.values(journal.open)) {
      reservations += 1;
      amount = round(amount + open.amount);
      for (const name of open.budgets) {
        const counter = this.counter(name, now, true);
        if (!counter) continue;
        if (open.day === counter.day) counter.daySpent = round(counter.daySpent + open.amount);
        if (open.month === counter.month) counter.monthSpent = round(counter.monthSpent + open.amount);
      }
    }
    this.recovered = { reservations, amount };
    // Written at once, so the reservations are booked as spend in the same entry that stops listing them.
    if (reservations > 0) {
      this.#dirty = true;
      await this.writeJournal();
    }
  }

  /** Reads every budget's counters from the shared store into this ledger (what `client.usage.budgets` shows). */
  async refresh(): Promise<void> {
    if (!this.#shared) return;
    const now = this.now();
    this.mirror(await this.#shared.readBudgets([...this.definitions()].map(([name]) => name), dayOf(now), monthOf(now), now));
  }

  /** Writes settlements not yet in the journal and waits for settlements on their way to the shared store. */
  async flush(): Promise<void> {
    await Promise.all([...this.#settling]);
    if (this.#journal && this.#dirty) await this.writeJournal();
  }

  // Group commit: a write queued but not started takes every reservation and settlement made before it starts.
  private writeJournal(): Promise<void> {
    if (!this.#queued) {
      const write = this.#tail.then(() => {
        this.#queued = undefined;
        return this.writeNow();
      });
      this.#queued = write;
      this.#tail = write.catch(() => undefined);
    }
    return this.#queued;
  }

  private async writeNow(): Promise<void> {
    const storage = this.#journal;
    if (!storage) return;
    this.#dirty = false;
    const journal: BudgetJournal = { version: 1, counters: this.snapshot(), open: Object.fromEntries(this.#open) };
    this.journalWrites += 1;
    try {
      await storage.saveData(BUDGET_JOURNAL_KEY, journal, { version: 1 });
    } catch (error) {
      this.#dirty = true;
      throw error;
    }
  }

  private mirror(states: SharedBudgetState[]): void {
    const now = this.now();
    for (const state of states) {
      const counter = this.counter(state.name, now, true);
      if (!counter) continue;
      Object.assign(counter, { day: state.day, daySpent: round(state.daySpent), month: state.month, monthSpent: round(state.monthSpent), reserved: Math.max(0, round(state.reserved)) });
      roll(counter, now);
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
    // Spend restored past a budget's alert threshold was alerted on by the process that spent it: not again after a
    // restart (a webhook would hear the same alert on every cold start of the period).
    for (const [name, limits] of this.definitions()) {
      const counter = this.#counters.get(name);
      if (!counter) continue;
      if (limits.dailyLimit !== undefined && counter.daySpent >= limits.alertThreshold * limits.dailyLimit) counter.alerted.add(`daily:${counter.day}`);
      if (limits.monthlyLimit !== undefined && counter.monthSpent >= limits.alertThreshold * limits.monthlyLimit) counter.alerted.add(`monthly:${counter.month}`);
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

  /**
   * True when a budget of the model itself (its own, or its provider's) that is enforced has been spent to its daily
   * or monthly limit: in a pool with `on_budget_exceeded: rotate` such a model is out until the period ends. A
   * request that would only overshoot (its worst case does not fit) does not count: a smaller one still fits.
   */
  spent(state: ModelState): boolean {
    const now = this.now();
    for (const [name, limits] of [
      [`provider:${state.providerId}`, this.#plan.providers.get(state.providerId)],
      [`model:${state.key}`, this.#plan.models.get(state.key)],
    ] as const) {
      if (!limits?.enforce) continue;
      const counter = this.counter(name, now);
      if (!counter) continue;
      if (limits.dailyLimit !== undefined && round(counter.daySpent) >= limits.dailyLimit) return true;
      if (limits.monthlyLimit !== undefined && round(counter.monthSpent) >= limits.monthlyLimit) return true;
    }
    return false;
  }

  private applicable(where: { pool: string; scope?: string }, state: ModelState, now: number): Applied[] | BudgetExceededError {
    const { global, providers, models, pools } = this.#plan;
    const found: Array<[string, BudgetLimits | undefined]> = [
      ["global", global && hasLimits(global) ? globalLimits(global) : undefined],
      [`provider:${state.providerId}`, providers.get(state.providerId)],
      [`model:${state.key}`, models.get(state.key)],
      [`pool:${where.pool}`, pools.get(where.pool)],
    ];
    let counted: string | undefined;
    if (where.scope !== undefined) {
      const named = global?.scopes && Object.hasOwn(global.scopes, where.scope) ? global.scopes[where.scope] : undefined;
      const limits = named ?? global?.scopeDefault;
      // A scope with no limit yet is still counted (locally): a limit given to it later in the day or month (a site's
      // daily limit set at noon) then holds what the scope already spent, not a fresh start.
      if (limits) found.push([`scope:${where.scope}`, limits]);
      else if (!this.#shared) counted = `scope:${where.scope}`;
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
    if (counted !== undefined) {
      const counter = this.counter(counted, now, true);
      // Past the cap on scopes, an unlimited scope just goes uncounted: nothing to hold it to.
      if (counter) applied.push({ name: counted, limits: COUNT_ONLY, counter });
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
    // Shared mode: the counters here are a mirror, possibly stale; the shared store checks daily and monthly limits.
    if (this.#shared) return undefined;
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

/** The limits of a scope counted without a limit: nothing enforced, nothing to alert on. */
const COUNT_ONLY: BudgetLimits = Object.freeze({ alertThreshold: 1, enforce: false });

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

function instanceId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return crypto?.randomUUID?.() ?? `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
}

const amountOf = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0);
