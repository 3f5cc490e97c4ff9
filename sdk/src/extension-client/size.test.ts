import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

// What a page ships to talk to the extension: `modelmesh/extension` bundled as an app's bundler would (esbuild,
// --bundle --minify, ESM, browser), from source. The budget is the issue's: 3 KB gzip.
const root = fileURLToPath(new URL("../../../", import.meta.url));
const BUDGET_BYTES = 3 * 1024;

async function pageBundle(source: string) {
  const result = await build({
    stdin: { contents: source, resolveDir: root, loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    conditions: ["modelmesh-source"],
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.text;
  return { code, gzip: gzipSync(code, { level: 9 }).length };
}

describe("modelmesh/extension size", () => {
  it(`is at most ${BUDGET_BYTES} bytes gzip with every method used, and carries none of the routing core`, async () => {
    const { code, gzip } = await pageBundle(`
      import { connectExtension } from "modelmesh/extension";
      const client = await connectExtension({ budget: { dailyLimit: 1 } });
      await client.chat.completions.create({ model: "chat", messages: [], stream: true });
      await client.embeddings.create({ model: "e", input: "x" });
      await client.audio.speech.create({ model: "s", voice: "alloy", input: "x" });
      await client.audio.transcriptions.create({ model: "t", file: new Blob() });
      await client.images.generate({ model: "i", prompt: "x" });
      await client.models.list();
    `);
    console.log(`modelmesh/extension page client: ${code.length} bytes minified, ${gzip} bytes gzip`);
    expect(gzip).toBeLessThanOrEqual(BUDGET_BYTES);
    for (const coreName of ["AllProvidersExhaustedError", "stick-until-failure", "eventsource", "redact"]) expect(code).not.toContain(coreName);
  });
});
