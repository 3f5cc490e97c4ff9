// The extension's message contract, shared by the page client (`modelmesh/extension`), the content-script bridge,
// the service worker and the extension's own pages. Every message that crosses a boundary is declared here, so
// the bridge can forward exactly the documented methods and nothing else.
//
// Three channels:
// 1. page <-> content script: `window.postMessage` with `PageRequest` / `PageReply` envelopes (same window only).
// 2. content script <-> service worker: one `chrome.runtime` port per page request, named `PORT_PAGE_REQUEST`;
//    the worker takes the site's origin from `port.sender.origin` (set by Chrome), never from the message.
// 3. extension pages (options, popup, consent) <-> service worker: `runtime.sendMessage` with `{ type, ...params }`
//    answered from one handler map (`AdminHandlers`), plus `PORT_ADMIN_CHAT` for the popup's streaming chat.
//    Admin messages are accepted only from the extension's own pages (sender URL `chrome-extension://<id>/`).

export * from "modelmesh/extension";
import type { PageMethod, SerializedError, SiteBudgetRequest } from "modelmesh/extension";

export const PORT_PAGE_REQUEST = "modelmesh-page-request" as const;
/**
 * The popup's quick chat: the same messages as `PORT_PAGE_REQUEST` (one `PortRequest`, then `PortReply`s), accepted
 * from the extension's own pages only, with no consent and counted under the scope "extension".
 */
export const PORT_ADMIN_CHAT = "modelmesh-admin-chat" as const;

/** content script -> worker, first and only message on a `PORT_PAGE_REQUEST` port (disconnecting aborts). */
export interface PortRequest { method: PageMethod; params: unknown; budget?: SiteBudgetRequest }
/** worker -> content script on that port. */
export type PortReply =
  | { kind: "chunk"; chunk: unknown }
  | { kind: "result"; result: unknown }
  | { kind: "end" }
  | { kind: "error"; error: SerializedError };

/** A person's decision in the consent window. */
export type ConsentDecision = "once" | "always" | "deny";

/** What the extension remembers about a site (keyed by origin, e.g. "http://127.0.0.1:5173"). */
export interface SiteGrant {
  origin: string;
  /**
   * "once": allowed one request at a time (each asks again); kept only to hold the site to the budget the person saw
   * when allowing it, as "always" holds it.
   */
  grant: "always" | "once" | "denied";
  /** USD limits counted under the budget scope `site:<origin>`. */
  budget: { dailyLimit?: number; monthlyLimit?: number };
  /** Pools (capabilities) the site may use; empty means every pool. */
  pools: string[];
  grantedAt: number;
}

/** One row of the per-site activity log; `prompt`/`answer` only when the person turned content logging on. */
export interface ActivityEntry {
  at: number;
  origin: string;
  method: PageMethod;
  model?: string;
  provider?: string;
  cost: number;
  outcome: "ok" | "error" | "denied" | "over-budget";
  error?: string;
  prompt?: string;
  answer?: string;
  /** The same refusal came again this many more times since `at` was first written (coalesced: `ActivityLog.append`). */
  repeats?: number;
}

export type ModelStatus = "active" | "cooling-down" | "out-of-budget" | "disabled";

/** Provider key as the extension's pages see it: never the key itself. */
export interface KeyInfo { provider: string; hasKey: boolean; baseUrl?: string; lastTest?: KeyTestResult }
export interface KeyTestResult { ok: boolean; at: number; latencyMs: number; model?: string; error?: string }

export interface StatusReport {
  models: Array<{ provider: string; model: string; pool: string; status: ModelStatus; cooldownUntil?: number }>;
  spendToday: number;
  spendMonth: number;
}

export interface UsageReport {
  totalCost: number;
  requests: number;
  byModel: Record<string, { cost: number; requests: number }>;
  byProvider: Record<string, { cost: number; requests: number }>;
  bySite: Record<string, { cost: number; requests: number }>;
  /** Spend per UTC day, oldest first, for the chart. */
  daily: Array<{ date: string; cost: number }>;
  budgets: Record<string, { spent: number; reserved: number; remaining: number | null }>;
}

/** The stored configuration the options page edits (keys excluded; they live in the encrypted vault). */
export interface ExtensionConfig {
  /** A ModelMesh configuration object (pools, strategy, budget, providers without keys). */
  mesh: Record<string, unknown>;
  /** Keep prompts and answers in the activity log. Off by default. */
  logContent: boolean;
}

/** The admin handler map: message `type` -> (params) => result. One map, typed end to end. */
export interface AdminHandlers {
  "keys.list": (params: Record<string, never>) => KeyInfo[];
  "keys.set": (params: { provider: string; apiKey: string; baseUrl?: string }) => KeyInfo;
  "keys.test": (params: { provider: string }) => KeyTestResult;
  "keys.remove": (params: { provider: string }) => { removed: boolean };
  "config.get": (params: Record<string, never>) => ExtensionConfig;
  /** Saves and reconfigures the running mesh; returns the errors (empty on success, old config kept otherwise). */
  "config.set": (params: { config: ExtensionConfig }) => { errors: string[] };
  "config.export": (params: Record<string, never>) => { yaml: string };
  "config.import": (params: { yaml: string }) => { errors: string[] };
  "status.get": (params: Record<string, never>) => StatusReport;
  "usage.get": (params: { days?: number }) => UsageReport;
  "sites.list": (params: Record<string, never>) => Array<SiteGrant & { spentToday: number }>;
  "sites.update": (params: { origin: string; budget?: SiteGrant["budget"]; pools?: string[] }) => SiteGrant;
  "sites.revoke": (params: { origin: string }) => { revoked: boolean };
  "activity.list": (params: { origin?: string; limit?: number }) => ActivityEntry[];
  "consent.get": (params: { consentId: string }) => { origin: string; method: PageMethod; requestedBudget?: SiteBudgetRequest } | null;
  "consent.decide": (params: { consentId: string; decision: ConsentDecision; budget?: SiteGrant["budget"] }) => { ok: true };
}
export type AdminType = keyof AdminHandlers;
export type AdminMessage<T extends AdminType = AdminType> = { type: T } & Parameters<AdminHandlers[T]>[0];
/** Every admin reply: the handler's value, or a serialized ModelMesh error (instanceof does not cross the channel). */
export type AdminReply<T extends AdminType = AdminType> = { ok: true; value: ReturnType<AdminHandlers[T]> } | { ok: false; error: SerializedError };
