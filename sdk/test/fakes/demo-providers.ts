/**
 * Two local fake OpenAI-compatible providers and a mesh configuration over them: what `npm start` serves when no
 * key is set, and what the offline demo routes over. Development only (node:http fakes).
 */
import { startFakeOpenAI, type FakeOpenAI } from "./openai.js";

const CHAT = "generation.text-generation.chat-completion";
const EMBEDDINGS = "representation.embeddings.text-embeddings";

/** The fakes and the configuration that routes over them (the shape the offline demo takes too). */
export interface OfflineProviders {
  fakes: FakeOpenAI[];
  config: Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * Starts two fake providers on 127.0.0.1: a "chat" pool over both, embeddings on both, speech, transcription and
 * images on the first.
 * @example
 * const offline = await startOfflineProviders();
 * const client = create({ config: offline.config });
 */
export async function startOfflineProviders(): Promise<OfflineProviders> {
  const alpha = await startFakeOpenAI({ name: "fake-alpha", models: ["alpha-chat", "text-embedding-3-small", "tts-1", "whisper-1", "dall-e-3"] });
  const beta = await startFakeOpenAI({ name: "fake-beta", models: ["beta-chat", "text-embedding-3-small"] });
  const provider = (fake: FakeOpenAI, chatModel: string, extra: object[]) => ({
    connector: "openai-compatible",
    config: {
      base_url: fake.url,
      api_key: "sk-offline-demo-not-a-real-key",
      models: [{ id: chatModel, capabilities: [CHAT], features: { tools: true, json_mode: true }, pricing: { input: 0.15, output: 0.6 } }, ...extra],
    },
  });
  const embeddings = { id: "text-embedding-3-small", capabilities: [EMBEDDINGS], pricing: { input: 0.02 } };
  const config = {
    providers: {
      "fake-alpha": provider(alpha, "alpha-chat", [
        embeddings,
        { id: "tts-1", capabilities: ["generation.audio-generation.text-to-speech"] },
        { id: "whisper-1", capabilities: ["understanding.audio-understanding.speech-to-text"] },
        { id: "dall-e-3", capabilities: ["generation.image-generation.text-to-image"] },
      ]),
      "fake-beta": provider(beta, "beta-chat", [embeddings]),
    },
    pools: {
      chat: { capability: "chat-completion", strategy: "stick-until-failure", retry: { max_retries: 1, base_delay_ms: 50 } },
    },
  };
  return { fakes: [alpha, beta], config, close: async () => void (await Promise.all([alpha.close(), beta.close()])) };
}
