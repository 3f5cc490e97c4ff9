import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { BODY_READER, type NodeBodyReader } from "modelmesh/node-fetch";
import { recordingFetchPerTest } from "./support/recording-server.js";

// A streamed answer that is not compressed reaches its reader without a Node stream (`DirectBody`); one that is
// compressed goes through the decoder's stream. Both are read by the providers' body reader and by `response.body`.

const { serve } = recordingFetchPerTest();

const takeReader = (response: Response) => (response as unknown as { [BODY_READER]: () => NodeBodyReader | undefined })[BODY_READER]();

async function readText(reader: NodeBodyReader, pause = false): Promise<string> {
  let text = "";
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    text += Buffer.from(next.value).toString();
    // A reader that falls behind: the connection pauses past what is held, and must resume when it reads again.
    if (pause) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return text;
}

describe("createNodeFetch: streamed bodies", () => {
  it("a reader far behind a large event stream still gets every byte (the connection paused and resumed)", async () => {
    const event = `data: ${"x".repeat(1000)}\n\n`;
    const { url, fetch } = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      // 200 KB written at once: far past what is held for a reader that is behind.
      response.end(event.repeat(200));
    });
    const reader = takeReader(await fetch(`${url}/large`))!;
    expect(await readText(reader, true)).toBe(event.repeat(200));
  });

  it("the body reader of a compressed event stream reads it decoded", async () => {
    const { url, fetch } = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream", "content-encoding": "gzip" });
      response.end(gzipSync("data: one\n\n".repeat(5)));
    });
    const reader = takeReader(await fetch(`${url}/packed`))!;
    expect(await readText(reader)).toBe("data: one\n\n".repeat(5));
  });

  it("response.body is one stream however often it is asked for, and then no reader is offered", async () => {
    const { url, fetch } = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.end("data: once\n\n");
    });
    const response = await fetch(`${url}/body`);
    const body = response.body;
    expect(response.body).toBe(body);
    expect(takeReader(response)).toBeUndefined();
    expect(await new Response(body).text()).toBe("data: once\n\n");
  });
});
