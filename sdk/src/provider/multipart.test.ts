import { describe, expect, it } from "vitest";
import { toMultipartForm } from "./multipart.js";

describe("toMultipartForm", () => {
  it("sends scalars as text, objects as JSON and lists as key[] entries, leaving out null and undefined", () => {
    const form = toMultipartForm({
      model: "whisper-1",
      temperature: 0,
      stream: false,
      chunking_strategy: { type: "auto" },
      timestamp_granularities: ["word", "segment"],
      language: undefined,
      prompt: null,
    });
    expect([...form.keys()]).toEqual(["model", "temperature", "stream", "chunking_strategy", "timestamp_granularities[]", "timestamp_granularities[]"]);
    expect(form.get("temperature")).toBe("0");
    expect(form.get("stream")).toBe("false");
    expect(form.get("chunking_strategy")).toBe('{"type":"auto"}');
    expect(form.getAll("timestamp_granularities[]")).toEqual(["word", "segment"]);
  });

  it("keeps a file's own name, and names a bare blob after its audio type", () => {
    const named = toMultipartForm({ file: new File([new Uint8Array([1, 2])], "meeting.ogg", { type: "audio/ogg" }) }).get("file") as File;
    expect(named.name).toBe("meeting.ogg");
    expect(named.size).toBe(2);
    const nameOf = (type: string) => (toMultipartForm({ file: new Blob([new Uint8Array([1])], { type }) }).get("file") as File).name;
    expect(nameOf("audio/wav")).toBe("audio.wav");
    expect(nameOf("audio/x-m4a")).toBe("audio.m4a");
    expect(nameOf("audio/mp4")).toBe("audio.m4a");
    expect(nameOf("audio/webm")).toBe("audio.webm");
    expect(nameOf("audio/mpeg")).toBe("audio.mp3");
    expect(nameOf("audio/mp3")).toBe("audio.mp3");
    expect(nameOf("audio/x-wav")).toBe("audio.wav");
    expect(nameOf("audio/ogg")).toBe("audio.ogg");
    expect(nameOf("audio/m4a")).toBe("audio.m4a");
    expect(nameOf("audio/something-new")).toBe("audio.mp3");
    expect(nameOf("")).toBe("audio.mp3");
    expect(toMultipartForm({ file: new File([new Uint8Array([1])], "", { type: "audio/flac" }) }).get("file")).toHaveProperty("name", "audio.flac");
  });

  it("sends a file field that is not a blob as text", () => {
    expect(toMultipartForm({ file: "file-abc123" }).get("file")).toBe("file-abc123");
  });
});
