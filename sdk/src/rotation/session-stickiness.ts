import { ConfigError } from "../wire/error-base.js";
import type { ModelState } from "../wire/model-state.js";
import { BaseRotationPolicy } from "./rotation.js";
import type { RotationConfig, SelectionContext } from "./rotation.js";

/**
 * Options of `SessionStickinessPolicy`.
 * @example
 * const config: SessionStickinessConfig = { maxSessions: 50_000 };
 */
export interface SessionStickinessConfig extends RotationConfig {
  /** How many sessions to remember; the least recently used is forgotten first. Default 10000. */
  maxSessions?: number;
}

/**
 * What `SessionStickinessPolicy.snapshot()` returns: `[sessionId, modelKey]` pairs, least recently used first.
 * @example
 * const snapshot: SessionStickinessSnapshot = { sessions: [["customer-42", "openai/gpt-4o"]] };
 */
export interface SessionStickinessSnapshot {
  sessions: Array<[string, string]>;
}

/**
 * Route every request of a session (the request's `user`, or the `session` request option) to the
 * same model while that model is offered. A new session, or one whose model has become unavailable,
 * is placed by rendezvous hashing of the session id over the available models: deterministic across
 * restarts and processes, spread evenly, and when a model leaves the pool only its own sessions
 * move. The placement is remembered (up to `maxSessions`, least recently used forgotten first), so a
 * session that moved stays on its new model even after the old one recovers. Requests without a
 * session id go to the first available model in pool order.
 * @example
 * const strategy = new SessionStickinessPolicy({ maxSessions: 50_000 });
 * const mesh = create("chat-completion", { strategy });
 * await mesh.chat.completions.create({ model: "chat-completion", user: "customer-42", messages });
 */
export class SessionStickinessPolicy extends BaseRotationPolicy<SessionStickinessConfig> {
  static readonly connectorId = "modelmesh.session-stickiness.v1";
  /** The keys its config may hold besides `failureThreshold` and the cooldown: any other is a ConfigError (a typo). */
  static readonly configKeys: readonly string[] = ["maxSessions"];
  static readonly shortName = "session-stickiness";
  override readonly id = SessionStickinessPolicy.connectorId;

  /** Session id → model key; Map iteration order doubles as recency order (oldest first). */
  private readonly sessions = new Map<string, string>();

  constructor(config: SessionStickinessConfig = {}) {
    super(config);
    const { maxSessions } = config;
    if (maxSessions !== undefined && !(Number.isInteger(maxSessions) && maxSessions >= 1)) {
      throw new ConfigError("maxSessions", `must be a whole number of at least 1, got ${String(maxSessions)}`);
    }
  }

  select(candidates: ModelState[], _request: unknown, context: SelectionContext): ModelState | null {
    const sessionId = context.sessionId;
    if (sessionId === undefined || sessionId === "") return candidates[0] ?? null;
    const rememberedKey = this.sessions.get(sessionId);
    const chosen = candidates.find((state) => state.key === rememberedKey) ?? placeByHash(sessionId, candidates);
    if (chosen !== null) this.remember(sessionId, chosen.key);
    return chosen;
  }

  override snapshot(): SessionStickinessSnapshot {
    return { sessions: [...this.sessions] };
  }

  override restore(snapshot: unknown): void {
    if (typeof snapshot !== "object" || snapshot === null) return;
    const { sessions } = snapshot as { sessions?: unknown };
    if (!Array.isArray(sessions)) return;
    this.sessions.clear();
    for (const entry of sessions) {
      if (Array.isArray(entry) && typeof entry[0] === "string" && typeof entry[1] === "string") this.remember(entry[0], entry[1]);
    }
  }

  private remember(sessionId: string, modelKey: string): void {
    // Re-inserting moves the session to the most recent end of the Map.
    this.sessions.delete(sessionId);
    this.sessions.set(sessionId, modelKey);
    const limit = this.config.maxSessions ?? 10_000;
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size <= limit) break;
      this.sessions.delete(oldest);
    }
  }
}

/** Rendezvous (highest random weight) hashing: the model whose hash with the session id is highest. */
function placeByHash(sessionId: string, candidates: readonly ModelState[]): ModelState | null {
  let best: ModelState | null = null;
  let bestScore = -1;
  for (const candidate of candidates) {
    const score = hash32(`${sessionId}\u0000${candidate.key}`);
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** FNV-1a over UTF-16 code units, then murmur3's finaliser so near-identical strings spread apart. */
function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
