/**
 * A local HTTP receiver for the webhook sink's tests: it records every POST (path, headers, parsed body, arrival
 * time) and answers from a script per path (status, headers, delay, or no answer at all), 200 when the script is empty.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedPost {
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
  text: string;
  receivedAt: number;
}

export interface ScriptedAnswer {
  status?: number;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer (the client must time out). */
  hang?: boolean;
}

export interface WebhookReceiver {
  url: string;
  posts: ReceivedPost[];
  /** Posts to one path. */
  postsTo(path: string): ReceivedPost[];
  /** Answers for the next posts to `path`, in order. */
  script(path: string, answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const posts: ReceivedPost[] = [];
  const scripts = new Map<string, ScriptedAnswer[]>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Kept as text: a test asserts what arrived, whatever it was.
      }
      const path = request.url ?? "/";
      posts.push({ path, headers: request.headers, body, text, receivedAt: Date.now() });
      const answer = scripts.get(path)?.shift() ?? {};
      if (answer.hang) return;
      const reply = () => response.writeHead(answer.status ?? 200, { "content-type": "application/json", ...answer.headers }).end('{"ok":true}');
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    postsTo: (path) => posts.filter((post) => post.path === path),
    script: (path, answers) => scripts.set(path, [...(scripts.get(path) ?? []), ...answers]),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
