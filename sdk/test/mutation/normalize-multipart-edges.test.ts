import { describe, expect, it } from "vitest";
import { normalizeChatCompletion, normalizeEmbeddingResponse } from "../../src/provider/normalize.js";
import { toMultipartForm } from "../../src/provider/multipart.js";

// Edges of the answer normaliser and the upload form left open by the existing tests: content given as parts,
// an empty model name, and which fields are uploaded as files under which names.

describe("normalize edges", () => {
  it("message content given as parts keeps text parts and strings only", () => {
    const completion = normalizeChatCompletion({ choices: [{ message: { role: "assistant", content: ["a", { type: "text", text: "b" }, { text: 5 }, 7, null, { type: "image_url" }] } }] }, "m");
    expect(completion.choices[0]?.message.content).toBe("ab");
  });

  it("an embeddings answer with an empty model name takes the requested model", () => {
    const response = normalizeEmbeddingResponse({ data: [{ embedding: [1], index: 0 }], model: "" }, "asked-model");
    expect(response.model).toBe("asked-model");
    expect(normalizeEmbeddingResponse({ data: [{ embedding: [1], index: 0 }], model: "served" }, "asked-model").model).toBe("served");
    expect(normalizeEmbeddingResponse({ data: [{ embedding: [1], index: 0 }] }, "asked-model").model).toBe("asked-model");
    expect(normalizeEmbeddingResponse({ data: [{ embedding: [1], index: 0 }], model: 7 }, "asked-model").model).toBe("asked-model");
  });
});

describe("multipart edges", () => {
  it("only `file` is uploaded as a file; a nameless file gets a name from its type", () => {
    const form = toMultipartForm({ model: "whisper-1", file: new File([new Uint8Array([1])], "", { type: "audio/wav" }), attachment: new Blob(["x"], { type: "text/plain" }) });
    expect((form.get("file") as File).name).toBe("audio.wav");
    expect(form.get("attachment")).toBe("{}");
    const named = toMultipartForm({ file: new File([new Uint8Array([1])], "talk.ogg", { type: "audio/ogg" }) });
    expect((named.get("file") as File).name).toBe("talk.ogg");
    const untyped = toMultipartForm({ file: new Blob([new Uint8Array([1])]) });
    expect((untyped.get("file") as File).name).toBe("audio.mp3");
  });
});
