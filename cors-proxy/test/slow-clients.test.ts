import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startProxyServer, type ProxyServer } from "../src/node-adapter.js";
import { startMeshProxy, type MeshProxy } from "./support.js";

// Slowloris: a client that sends its request a byte at a time (or stops half-way) must not hold a socket, and the
// request behind it, for longer than the configured bounds. Small bounds here; generous margins for a loaded machine.
const TIMEOUTS = { headersMs: 300, requestMs: 2_500, bodyIdleMs: 300 };

let server: ProxyServer | undefined;
let mesh: MeshProxy | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.length = 0;
  await server?.close(100);
  await mesh?.close();
  server = undefined;
  mesh = undefined;
});

/** Opens a raw connection and resolves with what the server sent and when it closed, writing `pieces` on a timer. */
function trickle(port: number, first: string, piece: string, everyMs: number): Promise<{ closedAfterMs: number; reply: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, "127.0.0.1");
    sockets.push(socket);
    let reply = "";
    socket.on("data", (data) => (reply += data.toString()));
    socket.on("error", () => {});
    socket.write(first);
    const timer = setInterval(() => {
      if (piece && socket.writable) socket.write(piece);
    }, everyMs);
    socket.once("close", () => {
      clearInterval(timer);
      resolve({ closedAfterMs: performance.now() - started, reply });
    });
  });
}

describe("bounded time for slow clients", () => {
  it("closes a connection whose headers trickle in past headersMs", async () => {
    server = await startProxyServer({ port: 0, timeouts: TIMEOUTS });
    const result = await trickle(server.port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n", "X-Slow: 1\r\n", 50);
    expect(result.closedAfterMs).toBeGreaterThanOrEqual(TIMEOUTS.headersMs - 50);
    // Sooner than the whole-request bound: the header bound is what closed it.
    expect(result.closedAfterMs).toBeLessThan(TIMEOUTS.requestMs);
    expect(result.reply).not.toContain("200 OK");
  });

  it("closes a connection whose body stops half-way, after bodyIdleMs of silence", async () => {
    server = await startProxyServer({ port: 0, timeouts: TIMEOUTS });
    const head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
    const result = await trickle(server.port, `${head}{"model":`, "", 1_000);
    expect(result.closedAfterMs).toBeGreaterThanOrEqual(TIMEOUTS.bodyIdleMs - 50);
    // Sooner than the whole-request bound: the idle bound is what closed it.
    expect(result.closedAfterMs).toBeLessThan(TIMEOUTS.requestMs);
  });

  it("closes a connection whose body keeps trickling (never idle) once requestMs is over", async () => {
    server = await startProxyServer({ port: 0, timeouts: TIMEOUTS });
    const head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n";
    const result = await trickle(server.port, head, " ", 100);
    expect(result.closedAfterMs).toBeGreaterThanOrEqual(TIMEOUTS.requestMs - 100);
    expect(result.closedAfterMs).toBeLessThan(10_000);
  });

  it("does not cut a request whose body is in while the model takes longer than bodyIdleMs to answer", async () => {
    mesh = await startMeshProxy({ timeouts: TIMEOUTS });
    mesh.a.setMode({ kind: "slow", delayMs: 900 });
    const completion = await mesh.openai().chat.completions.create({ model: "alpha", messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]!.message.content).toContain("Hello from alpha");
    expect(mesh.a.requests).toHaveLength(1);
  });
});
