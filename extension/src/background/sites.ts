import type { ConsentDecision, PageMethod, SiteBudgetRequest, SiteGrant } from "../shared/protocol.ts";
import type { StoredItem } from "./stored-item.ts";
import { consentDenied, consentDismissed } from "./errors.ts";

/** What the worker needs of `chrome.windows` to show the consent window. */
export interface ConsentWindows {
  /** Opens the consent page for `consentId` in a popup window; resolves to the window's id. */
  open(consentId: string): Promise<number | undefined>;
  close(windowId: number): Promise<void>;
}

/**
 * After a consent window is closed undecided, the same site gets `consent_dismissed` at once, without a new window, for
 * this long: a page retrying in a loop cannot keep stealing the person's focus with windows.
 */
export const CONSENT_RETRY_MS = 30_000;

interface PendingConsent {
  id: string;
  origin: string;
  method: PageMethod;
  requestedBudget?: SiteBudgetRequest;
  windowId?: number;
  settle: (decision: ConsentDecision | "dismissed") => void;
  decided: Promise<ConsentDecision | "dismissed">;
}

/**
 * Sites and their grants: who may use the extension, with which budget and pools, and the consent flow for a site
 * seen for the first time. One consent window per origin at a time; every request waiting on it gets its answer.
 * @example
 * const grant = await sites.admit("https://example.com", "chat.completions.create", { dailyLimit: 1 });
 */
export class SiteRegistry {
  #pending = new Map<string, PendingConsent>();
  /** When each site's last window was closed undecided (`CONSENT_RETRY_MS`). */
  #dismissedAt = new Map<string, number>();
  /**
   * Settles when the window shown last is decided: windows open one at a time, so a page with several cross-origin
   * frames cannot raise a stack of them at once.
   */
  #shown: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly grants: StoredItem<Record<string, SiteGrant>>,
    private readonly windows: ConsentWindows,
    private readonly changed: () => Promise<unknown>,
    private readonly now: () => number = Date.now,
    private readonly newId: () => string = () => crypto.randomUUID(),
  ) {}

  /**
   * Resolves when `origin` may make this request: at once for a site allowed always, after the person's decision
   * otherwise. Rejects with a typed error when the site is denied or the window is closed undecided.
   */
  async admit(origin: string, method: PageMethod, requestedBudget: SiteBudgetRequest | undefined): Promise<{ grant: "always" | "once"; site?: SiteGrant }> {
    const site = (await this.grants.get())[origin];
    if (site?.grant === "always") return { grant: "always", site };
    if (site?.grant === "denied") throw consentDenied(origin);
    const dismissed = this.#dismissedAt.get(origin);
    if (dismissed !== undefined && this.now() - dismissed < CONSENT_RETRY_MS && !this.#pending.has(origin)) throw consentDismissed(origin);
    const decision = await this.ask(origin, method, requestedBudget);
    if (decision === "deny") throw consentDenied(origin);
    if (decision === "dismissed") throw consentDismissed(origin);
    if (decision === "once") return { grant: "once" };
    const stored = (await this.grants.get())[origin];
    return { grant: "always", ...(stored ? { site: stored } : {}) };
  }

  /** The pending request a consent window shows, or null (unknown or already decided). */
  pending(consentId: string): { origin: string; method: PageMethod; requestedBudget?: SiteBudgetRequest } | null {
    for (const pending of this.#pending.values()) {
      if (pending.id === consentId) return { origin: pending.origin, method: pending.method, ...(pending.requestedBudget ? { requestedBudget: pending.requestedBudget } : {}) };
    }
    return null;
  }

  /** The person's decision from the consent window: "always" and "deny" are remembered, "once" is not. */
  async decide(consentId: string, decision: ConsentDecision, budget: SiteGrant["budget"] | undefined): Promise<boolean> {
    const pending = [...this.#pending.values()].find((item) => item.id === consentId);
    if (!pending) return false;
    this.#pending.delete(pending.origin);
    this.#dismissedAt.delete(pending.origin);
    const limits = cleanBudget(budget ?? pending.requestedBudget ?? {});
    // "Allow once" asks again next time, but the request it lets through is held to the budget the window showed: the
    // limits are kept (as a "once" grant, never for a site already decided otherwise) so the mesh counts them.
    const onceWithBudget = decision === "once" && Object.keys(limits).length > 0;
    if (decision === "always" || decision === "deny" || onceWithBudget) {
      await this.grants.update((all) => {
        if (onceWithBudget && all[pending.origin] && all[pending.origin]!.grant !== "once") return all;
        const grant = decision === "always" ? "always" : decision === "deny" ? "denied" : "once";
        const previous = all[pending.origin];
        return { ...all, [pending.origin]: { origin: pending.origin, grant, budget: limits, pools: previous?.pools ?? [], grantedAt: this.now() } };
      });
      await this.changed();
    }
    pending.settle(decision);
    if (pending.windowId !== undefined) await this.windows.close(pending.windowId).catch(() => undefined);
    return true;
  }

  /** The window was closed: requests waiting on it are refused (the site may ask again). */
  windowClosed(windowId: number): void {
    for (const pending of this.#pending.values()) {
      if (pending.windowId !== windowId) continue;
      this.#pending.delete(pending.origin);
      this.#dismissedAt.set(pending.origin, this.now());
      pending.settle("dismissed");
    }
  }

  /** How many consent windows are waiting for the person. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  async list(): Promise<SiteGrant[]> {
    return Object.values(await this.grants.get()).sort((a, b) => a.origin.localeCompare(b.origin));
  }

  async update(origin: string, budget: SiteGrant["budget"] | undefined, pools: string[] | undefined): Promise<SiteGrant | undefined> {
    let result: SiteGrant | undefined;
    await this.grants.update((all) => {
      const site = all[origin];
      if (!site) return all;
      result = { ...site, ...(budget ? { budget: cleanBudget(budget) } : {}), ...(pools ? { pools: [...new Set(pools)] } : {}) };
      return { ...all, [origin]: result };
    });
    if (result) await this.changed();
    return result;
  }

  async revoke(origin: string): Promise<boolean> {
    let revoked = false;
    await this.grants.update((all) => {
      if (!Object.hasOwn(all, origin)) return all;
      revoked = true;
      const { [origin]: _gone, ...rest } = all;
      return rest;
    });
    if (revoked) await this.changed();
    return revoked;
  }

  private ask(origin: string, method: PageMethod, requestedBudget: SiteBudgetRequest | undefined): Promise<ConsentDecision | "dismissed"> {
    const existing = this.#pending.get(origin);
    if (existing) return existing.decided;
    let settle!: (decision: ConsentDecision | "dismissed") => void;
    const decided = new Promise<ConsentDecision | "dismissed">((resolve) => (settle = resolve));
    const pending: PendingConsent = { id: this.newId(), origin, method, ...(requestedBudget ? { requestedBudget: cleanBudget(requestedBudget) } : {}), settle, decided };
    this.#pending.set(origin, pending);
    // After the window shown before it is decided (or closed); this one's decision is what the next one waits for.
    const previous = this.#shown;
    this.#shown = decided;
    void previous.then(() =>
      this.windows.open(pending.id).then(
        (windowId) => {
          pending.windowId = windowId;
        },
        () => {
          this.#pending.delete(origin);
          settle("dismissed");
        },
      ),
    );
    return decided;
  }
}

/** Only finite, non-negative limits survive (a page's request and the options page are both outside input). */
export function cleanBudget(budget: SiteBudgetRequest): SiteGrant["budget"] {
  const limit = (value: unknown) => (typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined);
  const dailyLimit = limit(budget.dailyLimit);
  const monthlyLimit = limit(budget.monthlyLimit);
  return { ...(dailyLimit !== undefined ? { dailyLimit } : {}), ...(monthlyLimit !== undefined ? { monthlyLimit } : {}) };
}
