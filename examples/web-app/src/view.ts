/**
 * Renders what the client knows about itself: pool status (`poolStatus()` with the models of `describe()`) and
 * spend (`usage`). Plain DOM: text goes in through `textContent` only, so nothing a provider sends becomes markup.
 */
import type { MeshClient } from "modelmesh/lazy";

type Usage = MeshClient["usage"];

function cell(row: HTMLTableRowElement, text: string): void {
  row.insertCell().textContent = text;
}

/**
 * Fills the pool table's body: one row per pool with its counts and its models' states.
 * @example
 * renderPools(document.querySelector("#pools tbody")!, client);
 */
export function renderPools(body: HTMLTableSectionElement, client: MeshClient): void {
  body.replaceChildren();
  if (client.state !== "ready") {
    const row = body.insertRow();
    const only = row.insertCell();
    only.colSpan = 5;
    only.textContent = client.state === "failed" ? "the mesh did not start (see the error above)" : "starting…";
    return;
  }
  const description = client.describe();
  for (const [name, status] of Object.entries(client.poolStatus())) {
    const row = body.insertRow();
    row.dataset.pool = name;
    cell(row, name);
    cell(row, String(status.active));
    cell(row, String(status.standby));
    cell(row, String(status.total));
    const models = description.pools[name]?.models ?? [];
    cell(row, models.map((model) => `${model.provider}/${model.model} (${model.status})`).join(", "));
  }
}

const dollars = (amount: number) => `$${amount.toFixed(6)}`;
// usage.byModel is keyed "provider/model" (the same model id may be served by several providers).

/**
 * Fills the spend list from `client.usage`: total cost, tokens, requests, and cost per model.
 * @example
 * renderSpend(document.querySelector("#spend")!, client.usage);
 */
export function renderSpend(list: HTMLElement, usage: Usage): void {
  const entries: Array<[string, string, string]> = [
    ["total", "Total cost", dollars(usage.totalCost)],
    ["tokens", "Tokens", String(usage.totalTokens)],
    ["requests", "Requests", String(usage.requests)],
    ...Object.entries(usage.byModel).map(([model, entry]): [string, string, string] => [`model:${model}`, model, `${dollars(entry.cost)} · ${entry.totalTokens} tokens · ${entry.requests} ${entry.requests === 1 ? "request" : "requests"}`]),
  ];
  list.replaceChildren(
    ...entries.flatMap(([key, label, value]) => {
      const term = document.createElement("dt");
      term.textContent = label;
      const detail = document.createElement("dd");
      detail.dataset.spend = key;
      detail.textContent = value;
      return [term, detail];
    }),
  );
}
