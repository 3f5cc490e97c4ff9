/**
 * The OpenAI wire shapes ModelMesh speaks in and out (snake_case, exactly as the official API).
 * Written from OpenAI's published OpenAPI spec; only what callers and providers touch is typed
 * precisely, the rest passes through as `unknown` so new parameters are never dropped.
 */

export type ChatRole = "system" | "developer" | "user" | "assistant" | "tool" | "function";

export interface ChatContentPartText {
  type: "text";
  text: string;
}
export interface ChatContentPartImage {
  type: "image_url";
  image_url: { url: string; detail?: "auto" | "low" | "high" };
}
export interface ChatContentPartAudio {
  type: "input_audio";
  input_audio: { data: string; format: "wav" | "mp3" };
}
export interface ChatContentPartRefusal {
  type: "refusal";
  refusal: string;
}
export type ChatContentPart =
  | ChatContentPartText
  | ChatContentPartImage
  | ChatContentPartAudio
  | ChatContentPartRefusal
  // Any other part (`file`, future kinds) passes through; no index signature, so the official client's part types fit.
  | { type: string };

export interface ChatCompletionMessageToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/**
 * One message of a request. No index signature: the official client's message types (interfaces, which TypeScript
 * never treats as indexable) must be assignable, so code typed with `openai`'s `ChatCompletionMessageParam[]`
 * compiles against ModelMesh unchanged. Other fields still pass through at run time.
 */
/** A custom (free-text) tool's call in an assistant message of a request, as OpenAI's custom tools make them. */
export interface ChatCompletionMessageCustomToolCall {
  id: string;
  type: "custom";
  custom: { name: string; input: string };
}

export interface ChatCompletionMessageParam {
  role: ChatRole;
  content?: string | ChatContentPart[] | null;
  name?: string;
  tool_calls?: Array<ChatCompletionMessageToolCall | ChatCompletionMessageCustomToolCall>;
  tool_call_id?: string;
  refusal?: string | null;
}

export interface ChatCompletionFunctionTool {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean | null };
}

/** A tool whose input is free text (OpenAI's custom tools); passed on to services that take them. */
export interface ChatCompletionCustomTool {
  type: "custom";
  custom: { name: string; description?: string; format?: unknown };
}

export type ChatCompletionTool = ChatCompletionFunctionTool | ChatCompletionCustomTool;

export type ChatCompletionToolChoice =
  | "none"
  | "auto"
  | "required"
  | { type: "function"; function: { name: string } }
  // Any other choice (`allowed_tools`, `custom`, future kinds) passes through; no index signature, so the official
  // client's choice types (interfaces) fit.
  | { type: string };

export interface ResponseFormat {
  type: "text" | "json_object" | "json_schema";
  json_schema?: { name: string; schema?: Record<string, unknown>; strict?: boolean | null; description?: string };
}

/**
 * The fields of a chat request ModelMesh reads, without an index signature: what `chat.completions.create` requires
 * of its body. The official client's params types (interfaces, which TypeScript never treats as indexable) fit it,
 * and so does an object literal with a vendor's own fields (`top_k`), since `create` takes any type that extends it.
 */
export interface ChatCompletionRequest {
  model: string;
  messages: ChatCompletionMessageParam[];
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean; include_obfuscation?: boolean } | null;
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  stop?: string | string[] | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  logit_bias?: Record<string, number> | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  user?: string;
  seed?: number | null;
  tools?: ChatCompletionTool[];
  tool_choice?: ChatCompletionToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: ResponseFormat;
}

/** The body of `POST /v1/chat/completions`. `model` may be a pool, a capability or a concrete model id. */
export interface ChatCompletionCreateParams extends ChatCompletionRequest {
  [key: string]: unknown;
}

/** How the prompt's tokens break down (OpenAI's `prompt_tokens_details`; services fill what they report). */
export interface PromptTokensDetails {
  audio_tokens?: number;
  cached_tokens?: number;
  text_tokens?: number;
  image_tokens?: number;
  cache_write_tokens?: number;
}

/** How the answer's tokens break down (OpenAI's `completion_tokens_details`). */
export interface CompletionTokensDetails {
  accepted_prediction_tokens?: number;
  audio_tokens?: number;
  reasoning_tokens?: number;
  text_tokens?: number;
  rejected_prediction_tokens?: number;
}

export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: PromptTokensDetails;
  completion_tokens_details?: CompletionTokensDetails;
  /**
   * USD the request cost, every billed attempt included: the service's own figure when it reports one (OpenRouter), else
   * from the serving model's price table; absent when neither says.
   */
  cost?: number;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call";

/** The service tier that served a request, as OpenAI's answers name it. */
export type ServiceTier = "auto" | "default" | "flex" | "scale" | "priority" | "fast";

/** One token's log probability (`logprobs: true`), with the most likely alternatives (`top_logprobs`). */
export interface ChatCompletionTokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] | null }>;
}

/** A choice's log probabilities: of its content and of its refusal. */
export interface ChatCompletionLogprobs {
  content: ChatCompletionTokenLogprob[] | null;
  refusal: ChatCompletionTokenLogprob[] | null;
}

/** A source the answer cites (web search models). */
export interface ChatCompletionAnnotation {
  type: "url_citation";
  url_citation: { start_index: number; end_index: number; title: string; url: string };
}

export interface ChatCompletionMessage {
  role: "assistant";
  content: string | null;
  refusal: string | null;
  tool_calls?: ChatCompletionMessageToolCall[];
  annotations?: ChatCompletionAnnotation[];
  [key: string]: unknown;
}

export interface ChatCompletionChoice {
  index: number;
  message: ChatCompletionMessage;
  finish_reason: FinishReason;
  logprobs: ChatCompletionLogprobs | null;
}

/** A whole chat answer, as `POST /v1/chat/completions` returns it. */
export interface ChatCompletion {
  /** The serving service's id for the exchange (its `x-request-id`), as the official client gives it; not enumerable. */
  _request_id?: string | null;
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: ChatCompletionChoice[];
  usage?: CompletionUsage;
  system_fingerprint?: string;
  service_tier?: ServiceTier | null;
  [key: string]: unknown;
}

/** A function call in an answer of `chat.completions.parse()`: its arguments parsed (null unless the tool is strict). */
export interface ParsedFunctionToolCall extends ChatCompletionMessageToolCall {
  function: { name: string; arguments: string; parsed_arguments: unknown };
}

/** A message of `chat.completions.parse()`: `parsed` is the structured output (null for text, a refusal or tool calls). */
export interface ParsedChatCompletionMessage<ParsedT> extends ChatCompletionMessage {
  parsed: ParsedT | null;
  tool_calls?: ParsedFunctionToolCall[];
}

export interface ParsedChoice<ParsedT> extends ChatCompletionChoice {
  message: ParsedChatCompletionMessage<ParsedT>;
}

/** What `chat.completions.parse()` answers: a chat completion whose messages carry `parsed`. */
export interface ParsedChatCompletion<ParsedT> extends ChatCompletion {
  choices: ParsedChoice<ParsedT>[];
}

/**
 * The type `parse()` gives `message.parsed`: what the response format's own parser returns (`zodResponseFormat` of the
 * `openai` package makes one), else `unknown` (JSON of the schema).
 */
export type ParsedContentOf<Body> = Body extends { response_format?: infer Format } ? (Format extends { $parseRaw(content: string): infer Parsed } ? Parsed : unknown) : unknown;

export interface ChatCompletionChunkToolCall {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

export interface ChatCompletionChunkChoice {
  index: number;
  delta: {
    role?: "assistant" | "developer" | "system" | "user" | "tool";
    content?: string | null;
    refusal?: string | null;
    tool_calls?: ChatCompletionChunkToolCall[];
    [key: string]: unknown;
  };
  finish_reason: FinishReason | null;
  logprobs?: ChatCompletionLogprobs | null;
}

/** One `data:` event of a streamed chat answer. */
export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: ChatCompletionChunkChoice[];
  usage?: CompletionUsage | null;
  system_fingerprint?: string;
  service_tier?: ServiceTier | null;
  [key: string]: unknown;
}

/** The body of `POST /v1/embeddings`. */
export interface EmbeddingCreateParams {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: "float" | "base64";
  dimensions?: number;
  user?: string;
}

/** One embedding as floats (`encoding_format` "float", the default). */
export interface Embedding {
  object: "embedding";
  index: number;
  embedding: number[];
}

/** One embedding as the base64 of its little-endian float32 values (`encoding_format: "base64"`). */
export interface Base64Embedding {
  object: "embedding";
  index: number;
  embedding: string;
}

/** An embedding in either encoding: what a provider returns before the caller's overload narrows it. */
export type AnyEmbedding = Embedding | Base64Embedding;

/** The answer of `POST /v1/embeddings`: floats unless the request asked for base64 (`CreateEmbeddingResponse<Base64Embedding>`). */
export interface CreateEmbeddingResponse<Item extends AnyEmbedding = Embedding> {
  /** The serving service's id for the exchange (its `x-request-id`); not enumerable. */
  _request_id?: string | null;
  object: "list";
  data: Item[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** The body of `POST /v1/audio/speech`. */
export interface SpeechCreateParams {
  model: string;
  input: string;
  voice: string;
  response_format?: "mp3" | "opus" | "aac" | "flac" | "wav" | "pcm";
  speed?: number;
  instructions?: string;
}

/** The fields of the multipart `POST /v1/audio/transcriptions`. */
export interface TranscriptionCreateParams {
  model: string;
  file: Blob;
  language?: string;
  prompt?: string;
  response_format?: "json" | "text" | "srt" | "verbose_json" | "vtt";
  temperature?: number;
}

export interface Transcription {
  text: string;
  [key: string]: unknown;
}

/** The body of `POST /v1/images/generations`. */
export interface ImageGenerateParams {
  model: string;
  prompt: string;
  n?: number | null;
  size?: string | null;
  quality?: string | null;
  response_format?: "url" | "b64_json" | null;
  style?: string | null;
  user?: string;
  [key: string]: unknown;
}

export interface ImagesResponse {
  created: number;
  data: Array<{ url?: string; b64_json?: string; revised_prompt?: string }>;
  [key: string]: unknown;
}

/** OpenAI's error body: `{ "error": { message, type, param, code } }`. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** The FAQ's name for a chat request: the OpenAI wire body itself (`messages`, `model`, `temperature`...). */
export type CompletionRequest = ChatCompletionCreateParams;

/** The FAQ's camelCase token counts (`usage.totalTokens`); the wire shape says `total_tokens`. */
export type TokenUsage = {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
};

/** One message of the FAQ's `CompletionResponse`. */
export type ChatMessage = {
  role: "assistant";
  content: string | null;
  refusal?: string | null;
  toolCalls?: ChatCompletionMessageToolCall[];
};

/** One choice of the FAQ's `CompletionResponse` (`finishReason`, not `finish_reason`). */
export type CompletionChoice = {
  index: number;
  message: ChatMessage;
  finishReason: FinishReason | null;
};

/**
 * The FAQ's CDK shape of a chat answer, in camelCase: what a custom provider's `_parseResponse` may return and what a
 * middleware's `afterResponse` may read (`response.usage?.totalTokens`). ModelMesh converts it to the OpenAI wire
 * shape (`ChatCompletion`, snake_case) before any caller sees it, so OpenAI-shaped code never meets these names.
 * @example
 * const response: CompletionResponse = {
 *   id: "r1", model: "corp-llm",
 *   choices: [{ index: 0, message: { role: "assistant", content: "Hi" }, finishReason: "stop" }],
 *   usage: { promptTokens: 3, completionTokens: 1, totalTokens: 4 },
 * };
 */
export type CompletionResponse = {
  id: string;
  model: string;
  object?: "chat.completion";
  created?: number;
  choices: CompletionChoice[];
  usage?: TokenUsage;
  systemFingerprint?: string | null;
};

/** OpenAI's `Model` object, as `client.models.list()` and `GET /v1/models` give it. */
export interface Model {
  id: string;
  object: "model";
  /** Unix seconds; ModelMesh gives when the mesh started (a pool has no creation date of its own). */
  created: number;
  owned_by: string;
}
