// @vitest-environment happy-dom
import { render } from "preact";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SiteGrant } from "../shared/protocol.js";
import { byTestId, fakeAdmin, settle, typeInto } from "../ui/fake-admin.js";
import { SitesSection } from "./sites-section.js";

describe("SitesSection", () => {
  let container: HTMLElement;
  beforeEach(() => {
    container = document.createElement("div");
    document.body.append(container);
  });
  afterEach(() => {
    render(null, container);
    container.remove();
  });

  const withSites = () => {
    const sites = new Map<string, SiteGrant & { spentToday: number }>([
      ["https://a.example", { origin: "https://a.example", grant: "always", budget: { dailyLimit: 1 }, pools: ["chat"], grantedAt: 0, spentToday: 0.25 }],
      ["https://b.example", { origin: "https://b.example", grant: "denied", budget: {}, pools: [], grantedAt: 0, spentToday: 0 }],
    ]);
    const admin = fakeAdmin({
      "sites.list": () => [...sites.values()],
      "sites.revoke": ({ origin }) => ({ revoked: sites.delete(origin) }),
      "sites.update": ({ origin, budget, pools }) => {
        const site = sites.get(origin)!;
        const next = { ...site, ...(budget ? { budget } : {}), ...(pools ? { pools } : {}) };
        sites.set(origin, next);
        return next;
      },
    });
    return { sites, admin };
  };
  const rowOf = (origin: string) => container.querySelector<HTMLElement>(`[data-testid="site-row"][data-origin="${origin}"]`);

  it("lists each site with its decision, spend and budget", async () => {
    const { admin } = withSites();
    render(<SitesSection sendAdmin={admin.sendAdmin} />, container);
    await settle();
    const row = rowOf("https://a.example")!;
    expect(row.textContent).toContain("Allowed");
    expect(row.textContent).toContain("$0.25");
    expect(byTestId<HTMLInputElement>(row, "site-daily").value).toBe("1");
    expect(byTestId<HTMLInputElement>(row, "site-pools").value).toBe("chat");
    expect(rowOf("https://b.example")!.textContent).toContain("Denied");
  });

  it("revoke sends sites.revoke for that origin and the site leaves the list", async () => {
    const { admin } = withSites();
    render(<SitesSection sendAdmin={admin.sendAdmin} />, container);
    await settle();
    byTestId<HTMLButtonElement>(rowOf("https://a.example")!, "site-revoke").click();
    await settle();
    expect(admin.sentOf("sites.revoke")).toEqual([{ type: "sites.revoke", origin: "https://a.example" }]);
    expect(rowOf("https://a.example")).toBeNull();
    expect(rowOf("https://b.example")).not.toBeNull();
  });

  it("saves a site's budget and pools with sites.update", async () => {
    const { admin } = withSites();
    render(<SitesSection sendAdmin={admin.sendAdmin} />, container);
    await settle();
    const row = rowOf("https://b.example")!;
    typeInto(byTestId<HTMLInputElement>(row, "site-monthly"), "12");
    typeInto(byTestId<HTMLInputElement>(row, "site-pools"), "chat, embeddings");
    await settle();
    byTestId<HTMLButtonElement>(row, "site-save").click();
    await settle();
    expect(admin.sentOf("sites.update")).toEqual([{ type: "sites.update", origin: "https://b.example", budget: { monthlyLimit: 12 }, pools: ["chat", "embeddings"] }]);
  });

  it("refuses a negative limit without sending", async () => {
    const { admin } = withSites();
    render(<SitesSection sendAdmin={admin.sendAdmin} />, container);
    await settle();
    const row = rowOf("https://a.example")!;
    typeInto(byTestId<HTMLInputElement>(row, "site-daily"), "-3");
    await settle();
    byTestId<HTMLButtonElement>(row, "site-save").click();
    await settle();
    expect(admin.sentOf("sites.update")).toEqual([]);
    expect(row.querySelector('[role="alert"]')?.textContent).toContain("amounts of dollars");
  });
});
