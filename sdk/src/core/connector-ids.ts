import type { ConnectorDescription } from "./registry.js";

/**
 * Every built-in connector as configuration names it: id, kind, short names and (providers) the keys discovery
 * looks for. Plain data, so create() checks names synchronously while each connector's code stays in its own
 * chunk (`builtins.ts` holds the loaders; `modelmesh/static` registers classes against this table).
 * The first alias is the connector's `shortName`.
 * @example
 * BUILTIN_CONNECTORS.find((connector) => connector.aliases?.includes("openai"))?.id; // "openai.llm.v1"
 */
export const BUILTIN_CONNECTORS = [
  { id: "openai.llm.v1", kind: "provider", aliases: ["openai"], envVars: ["OPENAI_API_KEY"] },
  { id: "anthropic.llm.v1", kind: "provider", aliases: ["anthropic", "anthropic.claude.v1"], envVars: ["ANTHROPIC_API_KEY"] },
  { id: "google.gemini.v1", kind: "provider", aliases: ["gemini"], envVars: ["GOOGLE_API_KEY", "GEMINI_API_KEY"] },
  { id: "groq.api.v1", kind: "provider", aliases: ["groq", "groq.llm.v1"], envVars: ["GROQ_API_KEY"] },
  { id: "mistral.api.v1", kind: "provider", aliases: ["mistral", "mistral.llm.v1"], envVars: ["MISTRAL_API_KEY"] },
  { id: "deepseek.api.v1", kind: "provider", aliases: ["deepseek", "deepseek.llm.v1"], envVars: ["DEEPSEEK_API_KEY"] },
  { id: "openrouter.gateway.v1", kind: "provider", aliases: ["openrouter", "openrouter.llm.v1"], envVars: ["OPENROUTER_API_KEY"] },
  { id: "cohere.nlp.v1", kind: "provider", aliases: ["cohere", "cohere.llm.v1"], envVars: ["COHERE_API_KEY", "CO_API_KEY"] },
  { id: "together.api.v1", kind: "provider", aliases: ["together", "together.llm.v1"], envVars: ["TOGETHER_API_KEY"] },
  { id: "xai.grok.v1", kind: "provider", aliases: ["xai", "grok"], envVars: ["XAI_API_KEY"] },
  { id: "perplexity.search.v1", kind: "provider", aliases: ["perplexity"], envVars: ["PERPLEXITY_API_KEY", "PPLX_API_KEY"] },
  { id: "tavily.search.v1", kind: "provider", aliases: ["tavily"], envVars: ["TAVILY_API_KEY"] },
  { id: "serper.search.v1", kind: "provider", aliases: ["serper"], envVars: ["SERPER_API_KEY"] },
  { id: "firecrawl.scrape.v1", kind: "provider", aliases: ["firecrawl"], envVars: ["FIRECRAWL_API_KEY"] },
  { id: "jina.ai.v1", kind: "provider", aliases: ["jina"], envVars: ["JINA_API_KEY"] },
  { id: "elevenlabs.tts.v1", kind: "provider", aliases: ["elevenlabs"], envVars: ["ELEVENLABS_API_KEY", "XI_API_KEY"] },
  { id: "azure.tts.v1", kind: "provider", aliases: ["azure-speech", "azure"], envVars: ["AZURE_SPEECH_KEY"] },
  { id: "assemblyai.stt.v1", kind: "provider", aliases: ["assemblyai"], envVars: ["ASSEMBLYAI_API_KEY"] },
  { id: "ollama.local.v1", kind: "provider", aliases: ["ollama"] },
  { id: "lmstudio.local.v1", kind: "provider", aliases: ["lmstudio", "lm-studio"] },
  { id: "vllm.local.v1", kind: "provider", aliases: ["vllm"] },
  { id: "localai.local.v1", kind: "provider", aliases: ["localai"] },
  { id: "modelmesh.openai-compatible.v1", kind: "provider", aliases: ["openai-compatible"] },
  { id: "modelmesh.browser-provider.v1", kind: "provider", aliases: ["browser"] },
  { id: "modelmesh.stick-until-failure.v1", kind: "rotation", aliases: ["stick-until-failure"] },
  { id: "modelmesh.cost-first.v1", kind: "rotation", aliases: ["cost-first"] },
  { id: "modelmesh.latency-first.v1", kind: "rotation", aliases: ["latency-first"] },
  { id: "modelmesh.round-robin.v1", kind: "rotation", aliases: ["round-robin"] },
  { id: "modelmesh.priority-selection.v1", kind: "rotation", aliases: ["priority", "priority-selection"] },
  { id: "modelmesh.session-stickiness.v1", kind: "rotation", aliases: ["session-stickiness"] },
  { id: "modelmesh.rate-limit-aware.v1", kind: "rotation", aliases: ["rate-limit-aware"] },
  { id: "modelmesh.load-balanced.v1", kind: "rotation", aliases: ["load-balanced"] },
  { id: "modelmesh.env.v1", kind: "secrets", aliases: ["env"] },
  { id: "modelmesh.memory-secrets.v1", kind: "secrets", aliases: ["memory-secrets"] },
  { id: "modelmesh.json-secrets.v1", kind: "secrets", aliases: ["json-secrets"] },
  { id: "modelmesh.browser-secrets.v1", kind: "secrets", aliases: ["browser-secrets"] },
  { id: "modelmesh.encrypted-file.v1", kind: "secrets", aliases: ["encrypted-file"] },
  { id: "modelmesh.memory.v1", kind: "storage", aliases: ["memory"] },
  { id: "modelmesh.localstorage.v1", kind: "storage", aliases: ["localstorage"] },
  { id: "modelmesh.sessionstorage.v1", kind: "storage", aliases: ["sessionstorage"] },
  { id: "modelmesh.indexeddb.v1", kind: "storage", aliases: ["indexeddb"] },
  { id: "modelmesh.null.v1", kind: "observability", aliases: ["null"] },
  { id: "modelmesh.console.v1", kind: "observability", aliases: ["console"] },
  { id: "modelmesh.json-log.v1", kind: "observability", aliases: ["json-log", "jsonlog", "modelmesh.jsonlog.v1"] },
  { id: "modelmesh.callback.v1", kind: "observability", aliases: ["callback"] },
  { id: "modelmesh.prometheus.v1", kind: "observability", aliases: ["prometheus"] },
  { id: "modelmesh.webhook.v1", kind: "observability", aliases: ["webhook"] },
  { id: "modelmesh.auto-discovery.v1", kind: "discovery", aliases: ["auto-discovery"] },
  { id: "modelmesh.health-monitor.v1", kind: "discovery", aliases: ["health-monitor"] },
] as const satisfies readonly ConnectorDescription[];

/**
 * Built-in connectors that run in Node only (files, SQLite). Their classes live in `modelmesh/node`, never in a
 * browser bundle; in Node the `modelmesh` and `modelmesh/lazy` entries load them by name (`node-connectors.ts`).
 * @example
 * NODE_CONNECTORS.find((connector) => connector.aliases.includes("sqlite"))?.id; // "modelmesh.sqlite.v1"
 */
export const NODE_CONNECTORS = [
  { id: "modelmesh.local-file.v1", kind: "storage", aliases: ["local-file"], exportName: "LocalFileStorage" },
  { id: "modelmesh.sqlite.v1", kind: "storage", aliases: ["sqlite"], exportName: "SqliteStorage" },
  { id: "modelmesh.redis.v1", kind: "storage", aliases: ["redis"], exportName: "RedisStorage" },
  { id: "modelmesh.file.v1", kind: "observability", aliases: ["file"], exportName: "FileObservability" },
  { id: "modelmesh.dotenv.v1", kind: "secrets", aliases: ["dotenv"], exportName: "DotenvSecretStore" },
  { id: "modelmesh.keyring.v1", kind: "secrets", aliases: ["keyring"], exportName: "KeyringSecretStore" },
] as const satisfies ReadonlyArray<ConnectorDescription & { exportName: string }>;

/** The id of a built-in connector. */
export type BuiltinConnectorId = (typeof BUILTIN_CONNECTORS)[number]["id"];

/** The secret store used when a configuration names none. */
export const DEFAULT_SECRET_STORE: BuiltinConnectorId = "modelmesh.env.v1";
