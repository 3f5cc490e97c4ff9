// Which models can answer right now: active, cooling down (with when they come back) or out of budget.
import type { ModelStatus, StatusReport } from "../shared/protocol.js";
import { formatUsd } from "../ui/format.js";

const LABELS: Record<ModelStatus, string> = {
  active: "Active",
  "cooling-down": "Cooling down",
  "out-of-budget": "Out of budget",
  disabled: "Disabled",
};

const secondsLeft = (until: number | undefined, now: number) => (until === undefined ? undefined : Math.max(0, Math.ceil((until - now) / 1000)));

/**
 * The popup's status list and today's spend.
 * @example
 * <StatusPanel report={await sendAdmin("status.get", {})} now={Date.now()} />
 */
export function StatusPanel({ report, now }: { report: StatusReport; now: number }) {
  return (
    <section aria-labelledby="status-title" data-testid="status-panel">
      <div class="spend-line">
        <h2 id="status-title">Models</h2>
        <span data-testid="spend-today">
          Today {formatUsd(report.spendToday)}
          <span class="muted"> · month {formatUsd(report.spendMonth)}</span>
        </span>
      </div>
      {report.models.length === 0 ? (
        // The worker starts its mesh on first use, so after Chrome stopped it the list is empty until a request arrives.
        <p data-testid="status-empty">No model in service yet: add a key in the options, or ask something below to start the mesh.</p>
      ) : (
        <ul class="model-list">
          {report.models.map((model) => {
            const wait = model.status === "cooling-down" ? secondsLeft(model.cooldownUntil, now) : undefined;
            return (
              <li key={`${model.pool}/${model.provider}/${model.model}`} data-testid="model-status" data-model={model.model} data-status={model.status}>
                <span class={`dot ${model.status}`} aria-hidden="true" />
                <span class="model-name">{model.model}</span>
                <span class="muted">
                  {model.provider} · {model.pool}
                </span>
                <span class={`state ${model.status}`}>
                  {LABELS[model.status]}
                  {wait !== undefined ? ` (${wait} s)` : ""}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
