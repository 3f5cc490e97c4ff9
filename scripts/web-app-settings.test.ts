/** The example web app's form settings (examples/web-app/src/settings.ts): what a URL may pre-fill, and what not. */
import { describe, expect, it } from "vitest";
import { initialValues, readSettings, sameProvider } from "../examples/web-app/src/settings.js";

describe("web app settings", () => {
  it("takes the provider's address, proxy, model and prices from the URL, never a key", () => {
    const values = initialValues(new URLSearchParams({ baseUrl: "http://127.0.0.1:9/v1", proxyUrl: "http://127.0.0.1:8/proxy/", model: "m", priceInput: "1", apiKey: "typed-in-url", key: "x" }));
    expect(values).toEqual({ format: "openai", baseUrl: "http://127.0.0.1:9/v1", proxyUrl: "http://127.0.0.1:8/proxy/", model: "m", priceInput: "1", priceOutput: "" });
    expect(JSON.stringify(values)).not.toContain("typed-in-url");
    expect(initialValues(new URLSearchParams())).toMatchObject({ baseUrl: "https://api.openai.com", proxyUrl: "http://127.0.0.1:8787/proxy/", model: "gpt-4o-mini" });
  });

  it("reads the form, trimming text and dropping prices that are not non-negative numbers", () => {
    const form = new FormData();
    for (const [name, value] of Object.entries({ baseUrl: " https://api.openai.com ", apiKey: " typed ", proxyUrl: "", model: "gpt-4o-mini", priceInput: "0.15", priceOutput: "-1" })) form.set(name, value);
    const settings = readSettings(form);
    expect(settings).toEqual({ format: "openai", baseUrl: "https://api.openai.com", apiKey: "typed", proxyUrl: "", model: "gpt-4o-mini", priceInput: 0.15, priceOutput: undefined });
    expect(sameProvider(settings, { ...settings })).toBe(true);
    expect(sameProvider(settings, { ...settings, apiKey: "other" })).toBe(false);
    expect(sameProvider(settings, { ...settings, format: "anthropic" })).toBe(false);
    form.set("format", "anthropic");
    expect(readSettings(form).format).toBe("anthropic");
    form.set("format", "something-else");
    expect(readSettings(form).format).toBe("openai");
  });
});
