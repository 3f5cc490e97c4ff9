// @vitest-environment happy-dom
import { render } from "preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { byTestId, fakeAdmin, settle, typeInto } from "../ui/fake-admin.js";
import { YamlSection } from "./yaml-section.js";

describe("YamlSection", () => {
  let container: HTMLElement;
  beforeEach(() => {
    container = document.createElement("div");
    document.body.append(container);
  });
  afterEach(() => {
    render(null, container);
    container.remove();
  });

  it("says keys are never in the YAML, shows an export and sends an import", async () => {
    const admin = fakeAdmin({ "config.export": () => ({ yaml: "pools:\n  chat:\n    strategy: cost-first\n" }), "config.import": () => ({ errors: [] }) });
    const onImported = vi.fn(async () => undefined);
    render(<YamlSection sendAdmin={admin.sendAdmin} onImported={onImported} />, container);
    expect(byTestId(container, "yaml-no-keys").textContent).toContain("API keys are never part of the YAML");
    byTestId<HTMLButtonElement>(container, "yaml-export").click();
    await settle();
    expect(byTestId<HTMLTextAreaElement>(container, "yaml-text").value).toContain("strategy: cost-first");
    typeInto(byTestId<HTMLTextAreaElement>(container, "yaml-text"), "pools: {}\n");
    await settle();
    byTestId<HTMLButtonElement>(container, "yaml-import").click();
    await settle();
    expect(admin.sentOf("config.import")).toEqual([{ type: "config.import", yaml: "pools: {}\n" }]);
    expect(onImported).toHaveBeenCalledTimes(1);
  });

  it("lists an import's errors and keeps the text", async () => {
    const admin = fakeAdmin({ "config.import": () => ({ errors: ["line 2: bad indentation"] }) });
    const onImported = vi.fn(async () => undefined);
    render(<YamlSection sendAdmin={admin.sendAdmin} onImported={onImported} />, container);
    typeInto(byTestId<HTMLTextAreaElement>(container, "yaml-text"), "pools:\n bad");
    await settle();
    byTestId<HTMLButtonElement>(container, "yaml-import").click();
    await settle();
    expect(byTestId(container, "yaml-errors").textContent).toContain("line 2: bad indentation");
    expect(byTestId<HTMLTextAreaElement>(container, "yaml-text").value).toBe("pools:\n bad");
    expect(onImported).not.toHaveBeenCalled();
  });
});
