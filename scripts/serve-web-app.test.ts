/**
 * `npm start` offline serves the web app beside the proxy: the printed page answers, the proxy admits exactly the
 * page's origin (CORS), and the relay reaches exactly the offline fakes on 127.0.0.1 (other local addresses stay
 * refused, as by default).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { start } from "../cors-proxy/src/start.js";

type Running = NonNullable<Awaited<ReturnType<typeof start>>>;
let running: Running;
const lines: string[] = [];
let page: URL;

beforeAll(async () => {
  running = (await start(["--port", "0"], { MODELMESH_OFFLINE: "1", MODELMESH_SKIP_DEMO: "1" }, (line) => lines.push(line)))!;
  const printed = lines.find((line) => line.startsWith("Demo web app: "));
  page = new URL(/Demo web app: (\S+)/.exec(printed ?? "")?.[1] ?? "about:blank");
}, 30_000);
afterAll(async () => {
  await running?.stop();
});

describe("npm start with the web app", () => {
  it("prints the page's address, pre-filled for the fakes and without a key, and serves the page there", async () => {
    expect(page.protocol).toBe("http:");
    expect(page.hostname).toBe("127.0.0.1");
    expect(page.searchParams.get("proxyUrl")).toBe(`${running.server.url}/proxy/`);
    expect(page.searchParams.get("model")).toBe("alpha-chat");
    expect(page.searchParams.has("apiKey")).toBe(false);
    const html = await (await fetch(page)).text();
    expect(html).toContain("<title>ModelMesh in a web app</title>");
  });

  it("lets the page's origin call the relay to the first fake, and no other origin", async () => {
    const target = `${page.searchParams.get("proxyUrl")}${page.searchParams.get("baseUrl")}/chat/completions`;
    const body = JSON.stringify({ model: "alpha-chat", messages: [{ role: "user", content: "hi" }] });
    const headers = { "content-type": "application/json", authorization: "Bearer any-key-for-the-fakes" };
    const allowed = await fetch(target, { method: "POST", headers: { ...headers, origin: page.origin }, body });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(page.origin);
    expect(((await allowed.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toContain("hi");
    const other = await fetch(target, { method: "POST", headers: { ...headers, origin: "http://127.0.0.1:1" }, body });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    await other.body?.cancel();
  });

  it("still refuses every other local address through the relay", async () => {
    const bystander = createServer((_, response) => response.end("private"));
    await new Promise<void>((resolve) => bystander.listen(0, "127.0.0.1", resolve));
    try {
      const port = (bystander.address() as AddressInfo).port;
      const response = await fetch(`${running.server.url}/proxy/http://127.0.0.1:${port}/`, { headers: { origin: page.origin } });
      expect(response.status).toBe(403);
      expect(await response.text()).not.toContain("private");
    } finally {
      await new Promise((resolve) => bystander.close(resolve));
    }
  });
});
