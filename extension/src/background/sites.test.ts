import { describe, expect, it } from "vitest";
import { fakeBrowser } from "@webext-core/fake-browser";
import { CONSENT_RETRY_MS, SiteRegistry } from "./sites.ts";
import { sitesItem } from "./items.ts";
import { isModelMeshError } from "modelmesh/static";

function registry() {
  fakeBrowser.reset();
  const opened: string[] = [];
  const closed: number[] = [];
  let changes = 0;
  let ids = 0;
  const clock = { now: 1_000 };
  const sites = new SiteRegistry(
    sitesItem(fakeBrowser.storage.local),
    { open: async (id) => (opened.push(id), 100 + opened.length), close: async (windowId) => void closed.push(windowId) },
    async () => void (changes += 1),
    () => clock.now,
    () => `consent-${++ids}`,
  );
  return { sites, opened, closed, changes: () => changes, clock };
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("SiteRegistry consent", () => {
  it("asks once per origin: concurrent requests share one window and one decision", async () => {
    const { sites, opened } = registry();
    const first = sites.admit("https://a.example", "chat.completions.create", { dailyLimit: 2 });
    const second = sites.admit("https://a.example", "embeddings.create", undefined);
    await settle();
    expect(opened).toEqual(["consent-1"]);
    expect(sites.pending("consent-1")).toEqual({ origin: "https://a.example", method: "chat.completions.create", requestedBudget: { dailyLimit: 2 } });
    expect(await sites.decide("consent-1", "always", undefined)).toBe(true);
    await expect(first).resolves.toMatchObject({ grant: "always", site: { origin: "https://a.example", grant: "always", budget: { dailyLimit: 2 } } });
    await expect(second).resolves.toMatchObject({ grant: "always" });
  });

  it('"always" is remembered with the budget the person chose; the next request opens no window', async () => {
    const { sites, opened, closed, changes } = registry();
    const asked = sites.admit("https://a.example", "chat.completions.create", { dailyLimit: 2 });
    await settle();
    await sites.decide("consent-1", "always", { dailyLimit: 0.25, monthlyLimit: Number.NaN });
    await asked;
    expect(closed).toEqual([101]);
    expect(changes()).toBe(1);
    expect(await sites.list()).toEqual([{ origin: "https://a.example", grant: "always", budget: { dailyLimit: 0.25 }, pools: [], grantedAt: 1_000 }]);
    await sites.admit("https://a.example", "chat.completions.create", undefined);
    expect(opened).toHaveLength(1);
  });

  it('"once" lets this request through and remembers nothing', async () => {
    const { sites, opened } = registry();
    const asked = sites.admit("https://a.example", "chat.completions.create", undefined);
    await settle();
    await sites.decide("consent-1", "once", undefined);
    await expect(asked).resolves.toEqual({ grant: "once" });
    expect(await sites.list()).toEqual([]);
    void sites.admit("https://a.example", "chat.completions.create", undefined);
    await settle();
    expect(opened).toHaveLength(2);
  });

  it('"once" with a budget keeps the limits for the mesh, and still asks again next time', async () => {
    const { sites, opened, changes } = registry();
    const asked = sites.admit("https://a.example", "chat.completions.create", { dailyLimit: 0.001 });
    await settle();
    await sites.decide("consent-1", "once", undefined);
    await expect(asked).resolves.toEqual({ grant: "once" });
    expect(await sites.list()).toEqual([{ origin: "https://a.example", grant: "once", budget: { dailyLimit: 0.001 }, pools: [], grantedAt: 1_000 }]);
    expect(changes()).toBe(1);
    void sites.admit("https://a.example", "chat.completions.create", undefined).catch(() => undefined);
    await settle();
    expect(opened).toHaveLength(2);
  });

  it('"deny" is remembered and refuses with a typed error, now and later', async () => {
    const { sites, opened } = registry();
    const asked = sites.admit("https://a.example", "chat.completions.create", undefined);
    await settle();
    await sites.decide("consent-1", "deny", undefined);
    const error = await asked.catch((caught: unknown) => caught);
    expect(isModelMeshError(error)).toBe(true);
    expect(error).toMatchObject({ code: "consent_denied" });
    await expect(sites.admit("https://a.example", "chat.completions.create", undefined)).rejects.toMatchObject({ code: "consent_denied" });
    expect(opened).toHaveLength(1);
  });

  it("a window closed without a decision refuses the waiting requests (consent_dismissed); the site may ask again, not at once", async () => {
    const { sites, opened, clock } = registry();
    const asked = sites.admit("https://a.example", "chat.completions.create", undefined);
    await settle();
    sites.windowClosed(101);
    await expect(asked).rejects.toMatchObject({ code: "consent_dismissed", retryable: true });
    expect(sites.pending("consent-1")).toBeNull();
    expect(await sites.decide("consent-1", "always", undefined)).toBe(false);
    // A page retrying at once is refused without a new window, until the back-off has passed.
    clock.now += CONSENT_RETRY_MS - 1;
    await expect(sites.admit("https://a.example", "chat.completions.create", undefined)).rejects.toMatchObject({ code: "consent_dismissed" });
    await settle();
    expect(opened).toHaveLength(1);
    clock.now += 1;
    void sites.admit("https://a.example", "chat.completions.create", undefined).catch(() => undefined);
    await settle();
    expect(opened).toHaveLength(2);
  });

  it("shows one window at a time: other sites' windows open as each is decided", async () => {
    const { sites, opened } = registry();
    const frames = ["https://a.example", "https://b.example", "https://c.example"].map((origin) => sites.admit(origin, "chat.completions.create", undefined));
    await settle();
    expect(opened).toEqual(["consent-1"]);
    expect(await sites.decide("consent-1", "once", undefined)).toBe(true);
    await expect(frames[0]).resolves.toMatchObject({ grant: "once" });
    await settle();
    expect(opened).toEqual(["consent-1", "consent-2"]);
    expect(sites.pending("consent-2")).toMatchObject({ origin: "https://b.example" });
    sites.windowClosed(102);
    await expect(frames[1]).rejects.toMatchObject({ code: "consent_dismissed" });
    await settle();
    expect(opened).toEqual(["consent-1", "consent-2", "consent-3"]);
    expect(await sites.decide("consent-3", "deny", undefined)).toBe(true);
    await expect(frames[2]).rejects.toMatchObject({ code: "consent_denied" });
  });

  it("update changes budget and pools of a granted site; revoke removes it; both tell the mesh", async () => {
    const { sites, changes } = registry();
    const asked = sites.admit("https://a.example", "chat.completions.create", undefined);
    await settle();
    await sites.decide("consent-1", "always", {});
    await asked;
    expect(await sites.update("https://a.example", { dailyLimit: 3 }, ["chat", "chat"])).toMatchObject({ budget: { dailyLimit: 3 }, pools: ["chat"] });
    expect(await sites.update("https://unknown.example", { dailyLimit: 3 }, undefined)).toBeUndefined();
    expect(await sites.revoke("https://a.example")).toBe(true);
    expect(await sites.revoke("https://a.example")).toBe(false);
    expect(await sites.list()).toEqual([]);
    expect(changes()).toBe(3);
  });
});
