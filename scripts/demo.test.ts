import { describe, expect, it } from "vitest";
import { CallbackObservability, create, type MeshEvent } from "modelmesh";
import { startOfflineProviders } from "../sdk/test/fakes/demo-providers.js";
import { runDemo } from "./demo.js";

describe("the offline demo (npm start)", () => {
  it("routes, fails over once and prints the pool status, all on local fakes", async () => {
    const providers = await startOfflineProviders();
    const events: MeshEvent[] = [];
    const client = create({ config: providers.config, observability: { instance: new CallbackObservability({ callback: (event) => void events.push(event), minSeverity: "debug" }) } });
    const lines: string[] = [];
    try {
      await runDemo(client, providers, (line) => lines.push(line), events);
    } finally {
      await client.close();
      await providers.close();
    }
    const output = lines.join("\n");
    expect(output).toContain("served by alpha-chat");
    expect(output).toMatch(/then fails over: .*served by beta-chat/);
    expect(output).toContain("fake-alpha/alpha-chat server_error -> fake-alpha/alpha-chat server_error -> fake-beta/beta-chat ok");
    expect(output).toContain('"chat":{"active":2,"standby":0,"total":2}');
  });
});
