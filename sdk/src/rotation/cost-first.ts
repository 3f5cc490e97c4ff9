import type { ModelState } from "../wire/model-state.js";
import { BaseRotationPolicy } from "./rotation.js";
import type { RotationConfig, SelectionContext } from "./rotation.js";

/**
 * Options of `CostFirstPolicy`; it has none beyond the base ones.
 * @example
 * const config: CostFirstConfig = { failureThreshold: 5 };
 */
export interface CostFirstConfig extends RotationConfig {}

/**
 * USD for one request: token prices (per million) times the estimated tokens, plus any per-request
 * price. Undefined when the model has neither, so "free" and "unknown" stay distinguishable.
 */
function expectedRequestCost(state: ModelState, inputTokens: number, outputTokens: number): number | undefined {
  const pricing = state.info.pricing;
  if (pricing === undefined) return undefined;
  const { input, output, perRequest, perCharacter, perImage, perSecond } = pricing;
  if ([input, output, perRequest, perCharacter, perImage, perSecond].every((price) => price === undefined)) return undefined;
  // A model priced on one side only (embeddings have no output price) costs nothing on the other. Speech is priced by
  // the characters (about four per estimated token), an image by the image. Audio length is unknown before the call:
  // a minute stands in for it, which keeps per-second models in the order of their prices.
  return ((input ?? 0) * inputTokens + (output ?? 0) * outputTokens) / 1_000_000 + (perCharacter ?? 0) * inputTokens * 4 + (perImage ?? 0) + (perSecond ?? 0) * 60 + (perRequest ?? 0);
}

/**
 * Pick the model that is cheapest for this request: price × estimated input and output tokens
 * (`expectedRequestCost`), so a long prompt favours cheap input and a long answer cheap output.
 * Models without a known price sort after every priced one, since an unknown price must not pass for
 * a free one. Ties go to the model that has cost least so far (spreading spend across equals), then
 * to pool order.
 * @example
 * const strategy = new CostFirstPolicy();
 * const mesh = create("chat-completion", { strategy });
 */
export class CostFirstPolicy extends BaseRotationPolicy<CostFirstConfig> {
  static readonly connectorId = "modelmesh.cost-first.v1";
  /** The keys its config may hold besides `failureThreshold` and the cooldown: any other is a ConfigError (a typo). */
  static readonly configKeys: readonly string[] = [];
  static readonly shortName = "cost-first";
  override readonly id = CostFirstPolicy.connectorId;

  constructor(config: CostFirstConfig = {}) {
    super(config);
  }

  select(candidates: ModelState[], _request: unknown, context: SelectionContext): ModelState | null {
    let best: ModelState | null = null;
    let bestCost = Number.POSITIVE_INFINITY;
    for (const candidate of candidates) {
      const cost = expectedRequestCost(candidate, context.estimatedInputTokens, context.estimatedOutputTokens) ?? Number.POSITIVE_INFINITY;
      // Strict comparisons keep the earlier candidate on a full tie: pool order is the last tie-break.
      const cheaper = cost < bestCost || (cost === bestCost && best !== null && candidate.totalCost < best.totalCost);
      if (best === null || cheaper) {
        best = candidate;
        bestCost = cost;
      }
    }
    return best;
  }
}
