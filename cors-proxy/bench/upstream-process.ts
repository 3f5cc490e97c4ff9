/**
 * The fake OpenAI server in a process of its own (benchmarks only). Prints `READY <base url>`. It forgets recorded
 * requests every second: under load it would otherwise grow without bound and its GC would tax every contender.
 */
import { startFakeOpenAI } from "../../sdk/test/fakes/openai.js";

const fake = await startFakeOpenAI({ name: "bench", models: ["gpt-4o-mini"], rateLimit: { limitRequests: 1e12, limitTokens: 1e12 } });
setInterval(() => fake.reset(), 1_000).unref();
process.on("SIGTERM", () => void fake.close().then(() => process.exit(0)));
process.stdout.write(`READY ${fake.url}\n`);
