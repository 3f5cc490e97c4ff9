/**
 * What the page's form holds, and its defaults. Defaults may come from the page's query string (the offline demo
 * of `npm start` links to the page with its fake provider's address), but the key never does: a key in a URL ends
 * up in browser history, server logs and `Referer` headers, so it is only ever typed into the form.
 */

/** The values the provider and the chat request are built from. */
export interface PageSettings {
  /** The provider's wire format: OpenAI-compatible (through the relay), or Anthropic (which allows pages directly). */
  format: "openai" | "anthropic";
  baseUrl: string;
  apiKey: string;
  /** Empty: call the provider directly (it must allow CORS). */
  proxyUrl: string;
  model: string;
  /** US dollars per million tokens; undefined when not given. */
  priceInput: number | undefined;
  priceOutput: number | undefined;
}

/** The form's fields that may be pre-filled from the query string. */
export const PREFILLED_FIELDS = ["format", "baseUrl", "proxyUrl", "model", "priceInput", "priceOutput"] as const;

const DEFAULTS: Record<(typeof PREFILLED_FIELDS)[number], string> = {
  format: "openai",
  baseUrl: "https://api.openai.com",
  // `npm start`'s default address: the proxy's relay takes the full target URL after /proxy/.
  proxyUrl: "http://127.0.0.1:8787/proxy/",
  model: "gpt-4o-mini",
  priceInput: "",
  priceOutput: "",
};

/**
 * The form's starting values: the query string's, else the defaults. `apiKey` in the query string is ignored.
 * @example
 * initialValues(new URLSearchParams("?model=alpha-chat&apiKey=sk-x")); // { model: "alpha-chat", baseUrl: "https://api.openai.com", ... } (no key)
 */
export function initialValues(query: URLSearchParams): Record<(typeof PREFILLED_FIELDS)[number], string> {
  const values = { ...DEFAULTS };
  for (const field of PREFILLED_FIELDS) {
    const given = query.get(field);
    if (given !== null) values[field] = given;
  }
  return values;
}

function price(text: string): number | undefined {
  if (text.trim() === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Reads the settings from the form's current values.
 * @example
 * readSettings(new FormData(form));
 */
export function readSettings(data: FormData): PageSettings {
  const text = (name: string) => String(data.get(name) ?? "").trim();
  return {
    format: text("format") === "anthropic" ? "anthropic" : "openai",
    baseUrl: text("baseUrl"),
    apiKey: text("apiKey"),
    proxyUrl: text("proxyUrl"),
    model: text("model"),
    priceInput: price(text("priceInput")),
    priceOutput: price(text("priceOutput")),
  };
}

/** True when two settings would build the same provider (the client, and the spend it counts, is then kept). */
export function sameProvider(left: PageSettings, right: PageSettings): boolean {
  return (
    left.format === right.format &&
    left.baseUrl === right.baseUrl &&
    left.apiKey === right.apiKey &&
    left.proxyUrl === right.proxyUrl &&
    left.model === right.model &&
    left.priceInput === right.priceInput &&
    left.priceOutput === right.priceOutput
  );
}
