// Display helpers shared by the options page and the popup.

/**
 * US dollars for a person: cents for ordinary sums, more digits for the fractions of a cent one request costs.
 * @example
 * formatUsd(1.5)      // "$1.50"
 * formatUsd(0.000412) // "$0.000412"
 */
export function formatUsd(amount: number): string {
  if (!Number.isFinite(amount)) return "—";
  if (amount === 0) return "$0.00";
  if (Math.abs(amount) >= 0.01) return `$${amount.toFixed(2)}`;
  // A request often costs a fraction of a cent: three significant digits, down to a millionth of a dollar.
  if (Math.abs(amount) < 0.000001) return amount > 0 ? "<$0.000001" : "-<$0.000001";
  return `$${Number(amount.toPrecision(3)).toFixed(6).replace(/0+$/, "")}`;
}

/**
 * A local date and time for a timestamp in ms.
 * @example
 * formatTime(Date.now()) // "2026-12-02 01:45:10"
 */
export function formatTime(at: number): string {
  const date = new Date(at);
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/**
 * A limit typed in a number field: empty means "no limit"; anything else must be a finite amount ≥ 0.
 * @example
 * parseLimit("")    // { ok: true, value: undefined }
 * parseLimit("2.5") // { ok: true, value: 2.5 }
 * parseLimit("-1")  // { ok: false }
 */
export function parseLimit(text: string): { ok: true; value: number | undefined } | { ok: false } {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, value: undefined };
  const value = Number(trimmed);
  return Number.isFinite(value) && value >= 0 ? { ok: true, value } : { ok: false };
}

/**
 * A comma- or space-separated list typed by a person, trimmed, without empties or repeats.
 * @example
 * parseList("chat, embeddings,,chat") // ["chat", "embeddings"]
 */
export function parseList(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((item) => item.trim()).filter(Boolean))];
}
