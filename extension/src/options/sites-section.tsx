// The sites a person allowed (or denied): each with its own budget and allowed pools, and a revoke button that
// makes the next request from that origin ask again.
import { useState } from "preact/hooks";
import type { SiteGrant } from "../shared/protocol.js";
import { describeError, type SendAdmin } from "../ui/admin-client.js";
import { formatTime, formatUsd, parseLimit, parseList } from "../ui/format.js";
import { useLoad } from "../ui/use-load.js";

type SiteRow = SiteGrant & { spentToday: number };

/**
 * The "Allowed sites" section of the options page.
 * @example
 * <SitesSection sendAdmin={sendAdmin} />
 */
export function SitesSection({ sendAdmin }: { sendAdmin: SendAdmin }) {
  const sites = useLoad(() => sendAdmin("sites.list", {}), [sendAdmin]);
  return (
    <section id="sites" aria-labelledby="sites-title" data-testid="sites-section">
      <h2 id="sites-title">Allowed sites</h2>
      <p class="hint">A site asks once; what you decide is kept here. Each site spends under its own budget and only in the pools listed (empty: all pools).</p>
      {sites.error && <p role="alert" class="error">Could not load the sites: {sites.error}</p>}
      {sites.value && sites.value.length === 0 && <p data-testid="sites-empty">No site has asked yet.</p>}
      {sites.value && sites.value.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col">Decision</th>
                <th scope="col">Spent today</th>
                <th scope="col">Daily limit ($)</th>
                <th scope="col">Monthly limit ($)</th>
                <th scope="col">Pools</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {sites.value.map((site) => (
                <SiteRowView key={site.origin} site={site} sendAdmin={sendAdmin} onChange={sites.reload} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function SiteRowView({ site, sendAdmin, onChange }: { site: SiteRow; sendAdmin: SendAdmin; onChange: () => Promise<void> }) {
  const [daily, setDaily] = useState(site.budget.dailyLimit === undefined ? "" : String(site.budget.dailyLimit));
  const [monthly, setMonthly] = useState(site.budget.monthlyLimit === undefined ? "" : String(site.budget.monthlyLimit));
  const [pools, setPools] = useState(site.pools.join(", "));
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    setProblem(undefined);
    setNotice(undefined);
    try {
      setNotice(await work());
      await onChange();
    } catch (error) {
      setProblem(describeError(error));
    } finally {
      setBusy(false);
    }
  };
  const save = () => {
    const dailyLimit = parseLimit(daily);
    const monthlyLimit = parseLimit(monthly);
    if (!dailyLimit.ok || !monthlyLimit.ok) return setProblem("Limits are amounts of dollars (or empty for none).");
    const budget: SiteGrant["budget"] = {};
    if (dailyLimit.value !== undefined) budget.dailyLimit = dailyLimit.value;
    if (monthlyLimit.value !== undefined) budget.monthlyLimit = monthlyLimit.value;
    return run(async () => {
      await sendAdmin("sites.update", { origin: site.origin, budget, pools: parseList(pools) });
      return "Saved.";
    });
  };
  const revoke = () =>
    run(async () => {
      const { revoked } = await sendAdmin("sites.revoke", { origin: site.origin });
      return revoked ? "Revoked." : "Already gone.";
    });

  const label = (what: string) => `${what} for ${site.origin}`;
  return (
    <tr data-testid="site-row" data-origin={site.origin}>
      <th scope="row">
        {site.origin}
        <div class="muted">since {formatTime(site.grantedAt)}</div>
      </th>
      <td>
        <span class={site.grant === "denied" ? "badge off" : "badge on"}>{site.grant === "always" ? "Allowed" : site.grant === "once" ? "Asks each time" : "Denied"}</span>
      </td>
      <td>{formatUsd(site.spentToday)}</td>
      <td>
        <input aria-label={label("Daily limit")} type="number" min="0" step="any" value={daily} onInput={(event) => setDaily(event.currentTarget.value)} data-testid="site-daily" />
      </td>
      <td>
        <input aria-label={label("Monthly limit")} type="number" min="0" step="any" value={monthly} onInput={(event) => setMonthly(event.currentTarget.value)} data-testid="site-monthly" />
      </td>
      <td>
        <input aria-label={label("Pools")} placeholder="all" value={pools} onInput={(event) => setPools(event.currentTarget.value)} data-testid="site-pools" />
      </td>
      <td>
        <div class="actions">
        <button type="button" onClick={save} disabled={busy} aria-label={label("Save")} data-testid="site-save">
          Save
        </button>
        <button type="button" class="danger" onClick={revoke} disabled={busy} aria-label={label("Revoke")} data-testid="site-revoke">
          Revoke
        </button>
        </div>
        <span aria-live="polite">
          {notice && <span class="ok">{notice}</span>}
          {problem && (
            <span role="alert" class="error">
              {problem}
            </span>
          )}
        </span>
      </td>
    </tr>
  );
}
