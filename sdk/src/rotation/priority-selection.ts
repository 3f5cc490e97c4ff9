import { ConfigError } from "../wire/error-base.js";
import type { ModelState } from "../wire/model-state.js";
import { matchesModel } from "../internal/model-pattern.js";
import { BaseRotationPolicy } from "./rotation.js";
import type { RotationConfig, SelectionContext } from "./rotation.js";

/**
 * Options of `PrioritySelectionPolicy`.
 * @example
 * const config: PrioritySelectionConfig = { priorities: ["anthropic/claude-sonnet-4-5", "openai", "gpt-4o*"] };
 */
export interface PrioritySelectionConfig extends RotationConfig {
  /**
   * Most preferred first. Each entry names a model id (`gpt-4o`), a `provider/model` key
   * (`openai/gpt-4o`) or a provider id (`anthropic`); a trailing `*` matches by prefix (`claude-*`).
   */
  priorities?: string[];
}

/**
 * Follow an ordered preference list and fall back down it: each available model ranks by the first
 * entry of `priorities` that names it; models no entry names come after all named ones, in pool
 * order. The best-ranked available model is picked, so the first choice is used whenever it is
 * healthy and the next ones only while it is not.
 * @example
 * const strategy = new PrioritySelectionPolicy({ priorities: ["anthropic/claude-sonnet-4-5", "openai", "gpt-4o*"] });
 * const mesh = create("chat-completion", { strategy });
 */
export class PrioritySelectionPolicy extends BaseRotationPolicy<PrioritySelectionConfig> {
  static readonly connectorId = "modelmesh.priority-selection.v1";
  /** The keys its config may hold besides `failureThreshold` and the cooldown: any other is a ConfigError (a typo). */
  static readonly configKeys: readonly string[] = ["priorities"];
  static readonly shortName = "priority";
  /** Other short names this strategy answers to. */
  static readonly aliases: readonly string[] = ["priority-selection"];
  override readonly id = PrioritySelectionPolicy.connectorId;

  constructor(config: PrioritySelectionConfig = {}) {
    super(config);
    const { priorities } = config;
    if (priorities !== undefined && !(Array.isArray(priorities) && priorities.every((entry) => typeof entry === "string"))) {
      throw new ConfigError("priorities", "must be a list of model ids, provider/model keys or provider ids");
    }
  }

  select(candidates: ModelState[], _request: unknown, _context: SelectionContext): ModelState | null {
    const priorities = this.config.priorities ?? [];
    let best: ModelState | null = null;
    let bestRank = Number.POSITIVE_INFINITY;
    for (const candidate of candidates) {
      const index = priorities.findIndex((pattern) => matchesModel(pattern, candidate));
      const rank = index < 0 ? priorities.length : index;
      // Strictly better only, so equal ranks keep pool order.
      if (best === null || rank < bestRank) {
        best = candidate;
        bestRank = rank;
      }
    }
    return best;
  }
}
