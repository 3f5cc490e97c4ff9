// Spend over time (one bar per day) and the same money split by model, provider and site, with the budgets' state.
import { useState } from "preact/hooks";
import type { UsageReport } from "../shared/protocol.js";
import type { SendAdmin } from "../ui/admin-client.js";
import { formatUsd } from "../ui/format.js";
import { SpendChart } from "../ui/spend-chart.js";
import { useLoad } from "../ui/use-load.js";

const PERIODS = [7, 30, 90] as const;

/**
 * The "Spend" section of the options page.
 * @example
 * <SpendSection sendAdmin={sendAdmin} />
 */
export function SpendSection({ sendAdmin }: { sendAdmin: SendAdmin }) {
  const [days, setDays] = useState<number>(30);
  const usage = useLoad(() => sendAdmin("usage.get", { days }), [sendAdmin, days]);
  const report = usage.value;
  return (
    <section id="spend" aria-labelledby="spend-title" data-testid="spend-section">
      <h2 id="spend-title">Spend</h2>
      <div class="actions">
        <label>
          Period
          <select value={String(days)} onChange={(event) => setDays(Number(event.currentTarget.value))} data-testid="spend-days">
            {PERIODS.map((period) => (
              <option key={period} value={String(period)}>
                last {period} days
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void usage.reload()}>
          Refresh
        </button>
      </div>
      {usage.error && <p role="alert" class="error">Could not load the spend: {usage.error}</p>}
      {report && (
        <>
          <p data-testid="spend-total">
            {formatUsd(report.totalCost)} over {report.requests} {report.requests === 1 ? "request" : "requests"}.
          </p>
          <SpendChart daily={report.daily} />
          <div class="columns">
            <BreakdownTable title="By model" rows={report.byModel} testId="spend-by-model" />
            <BreakdownTable title="By provider" rows={report.byProvider} testId="spend-by-provider" />
            <BreakdownTable title="By site" rows={report.bySite} testId="spend-by-site" />
          </div>
          <BudgetsTable budgets={report.budgets} />
        </>
      )}
    </section>
  );
}

function BreakdownTable({ title, rows, testId }: { title: string; rows: UsageReport["byModel"]; testId: string }) {
  const entries = Object.entries(rows).sort(([, left], [, right]) => right.cost - left.cost);
  return (
    <table data-testid={testId}>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col" class="number">Requests</th>
          <th scope="col" class="number">Cost</th>
        </tr>
      </thead>
      <tbody>
        {entries.length === 0 && (
          <tr>
            <td colSpan={3} class="muted">
              Nothing yet
            </td>
          </tr>
        )}
        {entries.map(([name, row]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td class="number">{row.requests}</td>
            <td class="number">{formatUsd(row.cost)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function BudgetsTable({ budgets }: { budgets: UsageReport["budgets"] }) {
  const entries = Object.entries(budgets);
  if (entries.length === 0) return null;
  return (
    <table data-testid="spend-budgets">
      <caption>Budgets</caption>
      <thead>
        <tr>
          <th scope="col">Scope</th>
          <th scope="col" class="number">Spent</th>
          <th scope="col" class="number">Reserved</th>
          <th scope="col" class="number">Remaining</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([scope, budget]) => (
          <tr key={scope}>
            <th scope="row">{scope}</th>
            <td class="number">{formatUsd(budget.spent)}</td>
            <td class="number">{formatUsd(budget.reserved)}</td>
            <td class="number">{budget.remaining === null ? "no limit" : formatUsd(budget.remaining)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
