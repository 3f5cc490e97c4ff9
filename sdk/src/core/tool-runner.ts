import { InvalidRequestError, ModelMeshError } from "../wire/error-base.js";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionMessage, ChatCompletionMessageParam, ChatCompletionMessageToolCall, ChatCompletionRequest, CompletionUsage } from "../wire/types.js";
import type { ChatStreamSnapshot } from "./chat-stream-snapshot.js";
import { ChunkLog } from "./chunk-log.js";
import { streamedTurns, type OpenTurnStream } from "./streamed-turn.js";

/**
 * The loop of `chat.completions.runTools()`, as the official OpenAI client's: ask, run the functions the answer calls,
 * append their results as `tool` messages, ask again, until an answer calls no function (or `maxChatCompletions`
 * answers, default 10). Here, in the mesh's code, so pages load it with the mesh; `client/chat-completion-runner.ts`
 * holds the listeners.
 */

/** What the runner shell gives the loop: its events, its abort signal and its (live) list of messages. */
export interface ToolRunnerHost {
  emit(event: string, ...args: unknown[]): void;
  signal: AbortSignal;
  messages: ChatCompletionMessageParam[];
  /** Whether a failure will be seen (someone waits or listens for `error`). */
  seen(): boolean;
  mark(state: "ended" | "errored" | "aborted"): void;
  /** Handed to each function as its second argument, as the official client hands its runner. */
  runner: unknown;
  /** The streaming runner's (`stream: true`): where its chunks and the current answer's snapshot go. */
  stream?: {
    attach(chunks: ChunkLog<ChatCompletionChunk>): void;
    current(folding: ChatStreamSnapshot): void;
  };
}

/** What the loop leaves behind: every completion in order, and what the official runner's final getters read. */
export interface ToolRunnerOutcome {
  completions: ChatCompletion[];
  /** The last assistant message (content and refusal null when absent). */
  message: ChatCompletionMessage | undefined;
  /** The function of the last function call the model made. */
  functionCall: { name: string; arguments: string } | undefined;
  /** The last tool message's content. */
  functionResult: string | undefined;
  usage: CompletionUsage;
}

/** A runnable function tool as the caller gives it (`function.function`), or as `zodFunction` makes it (`$callback`). */
interface RunnableTool {
  type?: unknown;
  function?: { name?: unknown; description?: unknown; parameters?: unknown; strict?: unknown; function?: unknown; parse?: unknown };
  $callback?: unknown;
  $parseRaw?: unknown;
}

interface Runnable {
  name: string;
  call: (args: unknown, runner: unknown) => unknown;
  parse: ((text: string) => unknown) | undefined;
}

const DEFAULT_MAX_CHAT_COMPLETIONS = 10;

/**
 * One `runTools()`: the loop over `create`, or, with `stream: true` and a streaming runner, over answers streamed by
 * `open` (each chunk to the runner's iterators and events; the iterators end, or fail, when the run does).
 * @example
 * await runTools(host, body, {}, (request, signal) => client.chat.completions.create(request, { signal }), open);
 */
export function runTools(host: ToolRunnerHost, body: ChatCompletionRequest, options: { maxChatCompletions?: number }, create: (request: Record<string, unknown>, signal: AbortSignal) => Promise<ChatCompletion>, open?: OpenTurnStream): Promise<ToolRunnerOutcome> {
  if (body.stream !== true || !host.stream || !open) return runToolLoop(host, body, options, create);
  const chunks = new ChunkLog<ChatCompletionChunk>();
  host.stream.attach(chunks);
  const run = runToolLoop(host, body, options, streamedTurns({ emit: host.emit, chunks, current: host.stream.current }, open), true);
  run.then(
    () => chunks.end(),
    (error: unknown) => chunks.end({ error }),
  );
  return run;
}

/** A function's result as a tool message's content: text as it is, anything else as JSON. */
function resultText(value: unknown): string {
  return typeof value === "string" ? value : value === undefined ? "undefined" : JSON.stringify(value);
}

/** The request's tools: the runnable functions by name, and the tools as the service is sent them. */
function prepareTools(tools: unknown): { runnable: Map<string, Runnable>; wire: unknown[] } {
  if (!Array.isArray(tools)) throw new InvalidRequestError("runTools() needs tools: a list of { type: \"function\", function: { function, parameters } }", "tools");
  const runnable = new Map<string, Runnable>();
  const wire = (tools as RunnableTool[]).map((tool, index) => {
    if (tool?.type !== "function") return tool;
    const fn = tool.function ?? {};
    const call = typeof tool.$callback === "function" ? tool.$callback : fn.function;
    if (typeof call !== "function") throw new InvalidRequestError(`tools[${index}] has no function to run: give it as function.function`, `tools[${index}].function.function`);
    const name = typeof fn.name === "string" && fn.name !== "" ? fn.name : (call as { name?: string }).name;
    if (!name) throw new InvalidRequestError(`tools[${index}] needs a name: function.name, or a named function`, `tools[${index}].function.name`);
    const parse = typeof tool.$parseRaw === "function" ? tool.$parseRaw : fn.parse;
    runnable.set(name, { name, call: call as Runnable["call"], parse: typeof parse === "function" ? (parse as Runnable["parse"]) : undefined });
    // What the service is sent: the definition, without the function and its parser.
    return { type: "function", function: { name, description: fn.description, parameters: fn.parameters, strict: typeof tool.$callback === "function" ? true : fn.strict } };
  });
  return { runnable, wire };
}

/**
 * Runs the loop; resolves with every completion once an answer calls no function, rejects on a failure (an abort
 * rejects with its reason). Events: `connect`, then per answer `chatCompletion`, `message`, `functionToolCall` per
 * function call, and per result `message` and `functionToolCallResult`; at the end `finalChatCompletion`,
 * `finalMessage`, `finalContent`, `finalFunctionToolCall`, `finalFunctionToolCallResult`, `totalUsage`, `end`.
 * @example
 * await runToolLoop(host, body, {}, (request, signal) => client.chat.completions.create(request, { signal }));
 */
export async function runToolLoop(
  host: ToolRunnerHost,
  body: ChatCompletionRequest,
  options: { maxChatCompletions?: number },
  create: (request: Record<string, unknown>, signal: AbortSignal) => Promise<ChatCompletion>,
  streamed = false,
): Promise<ToolRunnerOutcome> {
  const { emit, signal, messages } = host;
  const completions: ChatCompletion[] = [];
  const add = (message: ChatCompletionMessageParam | ChatCompletionMessage) => {
    messages.push(message as ChatCompletionMessageParam);
    emit("message", message);
    if (message.role === "tool" && message.content) emit("functionToolCallResult", message.content);
    for (const call of (message.role === "assistant" ? message.tool_calls : undefined) ?? []) if (call.type === "function") emit("functionToolCall", call.function);
  };
  try {
    // A stream is run only by the streaming runner (`runTools` above): `create` here answers with whole completions.
    if (body.stream === true && !streamed) throw new InvalidRequestError("runTools() with stream: true needs the streaming runner (client.chat.completions.runTools)", "stream");
    const { tool_choice: toolChoice = "auto", ...rest } = body as ChatCompletionRequest & Record<string, unknown>;
    const { runnable, wire } = prepareTools(rest.tools);
    // A tool_choice that names one function: the loop ends once that function has run.
    const single = typeof toolChoice === "object" && toolChoice !== null && (toolChoice as { type?: unknown }).type === "function" ? (toolChoice as { function?: { name?: string } }).function?.name : undefined;
    const rounds = options.maxChatCompletions ?? DEFAULT_MAX_CHAT_COMPLETIONS;
    // Zero answers would leave nothing for the final getters to return.
    if (!Number.isInteger(rounds) || rounds < 1) throw new InvalidRequestError(`maxChatCompletions must be a whole number of at least 1, got ${String(rounds)}`, "maxChatCompletions");
    messages.push(...body.messages);
    emit("connect");
    const runCall = async (call: ChatCompletionMessageToolCall): Promise<{ message: ChatCompletionMessageParam; ran: boolean }> => {
      const reply = (content: string, ran: boolean) => ({ message: { role: "tool" as const, tool_call_id: call.id, content }, ran });
      const tool = runnable.get(call.function.name);
      // The model is told what went wrong, and may try again: as the official client does.
      if (!tool) return reply(`Invalid tool_call: ${JSON.stringify(call.function.name)}. Available options are: ${[...runnable.keys()].map((name) => JSON.stringify(name)).join(", ")}. Please try again`, false);
      if (single && single !== call.function.name) return reply(`Invalid tool_call: ${JSON.stringify(call.function.name)}. ${JSON.stringify(single)} requested. Please try again`, false);
      let args: unknown = call.function.arguments;
      if (tool.parse) {
        try {
          args = await tool.parse(call.function.arguments);
        } catch (error) {
          return reply(error instanceof Error ? error.message : String(error), false);
        }
      }
      signal.throwIfAborted();
      return reply(resultText(await tool.call(args, host.runner)), true);
    };
    for (let round = 0; round < rounds; round += 1) {
      const completion = await create({ ...rest, tool_choice: toolChoice, tools: wire, messages: [...messages] }, signal);
      completions.push(completion);
      emit("chatCompletion", completion);
      const message = completion.choices[0]?.message;
      if (!message) throw new ModelMeshError("the answer has no message", { code: "missing_message", retryable: true });
      add(message);
      const calls = (message.tool_calls ?? []).filter((call) => call.type === "function");
      if (calls.length === 0) break;
      if (single || body.parallel_tool_calls === false) {
        let done = false;
        for (const call of calls) {
          const result = await runCall(call);
          add(result.message);
          signal.throwIfAborted();
          if (single && result.ran) {
            done = true;
            break;
          }
        }
        if (done) break;
      } else {
        // Every function at once, each left to finish; their results go back in the order of the calls.
        const results = await Promise.allSettled(calls.map(runCall));
        signal.throwIfAborted();
        for (const result of results) if (result.status === "rejected") throw result.reason;
        for (const result of results) if (result.status === "fulfilled") add(result.value.message);
      }
    }
    const outcome = emitFinal(host, completions);
    host.mark("ended");
    emit("end");
    return outcome;
  } catch (failure) {
    const error = signal.aborted ? signal.reason : failure;
    const seen = host.seen();
    host.mark(signal.aborted ? "aborted" : "errored");
    host.mark("ended");
    // An abort is told as `abort`, a failure as `error`, as the official runner tells them.
    emit(signal.aborted ? "abort" : "error", error);
    emit("end");
    // A failure nobody listens or waits for surfaces as an unhandled rejection, as there (not an abort you asked for).
    if (!seen && !signal.aborted) void Promise.reject(error);
    throw error;
  }
}

/** The last assistant message, the last function call and its result, the summed usage, as the official client's. */
function emitFinal(host: ToolRunnerHost, completions: ChatCompletion[]): ToolRunnerOutcome {
  const { emit } = host;
  const completion = completions.at(-1);
  if (completion) emit("finalChatCompletion", completion);
  const message = finalMessage(host.messages);
  if (message) emit("finalMessage", message);
  if (message?.content) emit("finalContent", message.content);
  const functionCall = finalFunctionToolCall(host.messages);
  if (functionCall) emit("finalFunctionToolCall", functionCall);
  const functionResult = finalFunctionToolCallResult(host.messages);
  if (functionResult !== undefined) emit("finalFunctionToolCallResult", functionResult);
  const usage = totalUsage(completions);
  if (completions.some((each) => each.usage)) emit("totalUsage", usage);
  return { completions, message, functionCall, functionResult, usage };
}

/** The latest assistant message of the conversation, content and refusal as null when absent. */
export function finalMessage(messages: ChatCompletionMessageParam[]): ChatCompletionMessage | undefined {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index]!;
    if (message.role === "assistant") return { ...message, content: (message.content as string | null | undefined) ?? null, refusal: message.refusal ?? null } as ChatCompletionMessage;
  }
  return undefined;
}

/** The function of the latest function call an assistant message made. */
export function finalFunctionToolCall(messages: ChatCompletionMessageParam[]): { name: string; arguments: string } | undefined {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const calls = messages[index]!.role === "assistant" ? messages[index]!.tool_calls : undefined;
    const call = calls?.filter((each) => each.type === "function").at(-1);
    if (call) return (call as ChatCompletionMessageToolCall).function;
  }
  return undefined;
}

/** The content of the latest tool message. */
export function finalFunctionToolCallResult(messages: ChatCompletionMessageParam[]): string | undefined {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index]!;
    if (message.role === "tool" && typeof message.content === "string") return message.content;
  }
  return undefined;
}

/** Usage summed over every completion of the run. */
export function totalUsage(completions: ChatCompletion[]): CompletionUsage {
  const total = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  for (const { usage } of completions) {
    if (!usage) continue;
    total.prompt_tokens += usage.prompt_tokens;
    total.completion_tokens += usage.completion_tokens;
    total.total_tokens += usage.total_tokens;
  }
  return total;
}
