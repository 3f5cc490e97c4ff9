import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create } from "../src/index.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";

// Speech, transcription and images are billed by characters, seconds of audio and images, not tokens: the cost a
// client reports must follow the model's price table for those units.
describe("costs of services priced by the unit", () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());
  const provider = () => ({ connector: "openai", config: { baseUrl: fake.url, apiKey: "test-key-unit-pricing" } });

  it("speech: characters × perCharacter (tts-1: $15 per million characters)", async () => {
    const client = create("text-to-speech", { providers: [provider()] });
    try {
      const input = "Hello there, this is forty-two characters.";
      const audio = await client.audio.speech.create({ model: "text-to-speech", voice: "alloy", input });
      await audio.arrayBuffer();
      expect(fake.requests.at(-1)?.body).toMatchObject({ model: "tts-1", input });
      expect(client.usage.totalCost).toBeCloseTo(input.length * 0.000015, 12);
    } finally {
      await client.close();
    }
  });

  it("transcription: the seconds the service reports × perSecond (whisper-1: $0.006 per minute)", async () => {
    const client = create("speech-to-text", { providers: [provider()] });
    try {
      const file = new File([new Uint8Array(48_000)], "note.wav", { type: "audio/wav" });
      const result = await client.audio.transcriptions.create({ model: "speech-to-text", file });
      const seconds = (result as unknown as { usage: { seconds: number } }).usage.seconds;
      expect(seconds).toBe(3);
      expect(client.usage.totalCost).toBeCloseTo(seconds * 0.0001, 12);
    } finally {
      await client.close();
    }
  });

  it("images: images made × perImage (dall-e-3: $0.04 each)", async () => {
    const client = create("text-to-image", { providers: [provider()] });
    try {
      const result = await client.images.generate({ model: "dall-e-3", prompt: "a lighthouse", n: 1 });
      expect(result.data).toHaveLength(1);
      expect(fake.requests.at(-1)?.body).toMatchObject({ model: "dall-e-3" });
      expect(client.usage.totalCost).toBeCloseTo(0.04, 12);
    } finally {
      await client.close();
    }
  });
});

describe("budgets over services priced by the unit", () => {
  it("speech counts against an enforced budget (not refused as unpriced), and a request past it reaches no provider", async () => {
    const fake = await startFakeOpenAI();
    const input = "x".repeat(1000); // $0.015 with tts-1
    const client = create("text-to-speech", { providers: [{ connector: "openai", config: { baseUrl: fake.url, apiKey: "test-key-unit-pricing" } }], config: { budget: { daily_limit: 0.04 } } } as never);
    try {
      for (let index = 0; index < 2; index += 1) await (await client.audio.speech.create({ model: "text-to-speech", voice: "alloy", input })).arrayBuffer();
      expect(client.usage.totalCost).toBeCloseTo(0.03, 9);
      await expect(client.audio.speech.create({ model: "text-to-speech", voice: "alloy", input })).rejects.toMatchObject({ name: "BudgetExceededError" });
      expect(fake.requests.filter((request) => request.path === "/v1/audio/speech")).toHaveLength(2);
    } finally {
      await client.close();
      await fake.close();
    }
  });
});
