import type { ChatCompletion, ChatCompletionMessage, ChatCompletionMessageParam, CompletionUsage } from "../wire/types.js";
import type { ToolRunnerHost, ToolRunnerOutcome } from "../core/tool-runner.js";
import { Listeners } from "./listeners.js";

/**
 * What `client.chat.completions.runTools()` returns, as the official client's `ChatCompletionRunner`: the loop starts
 * after the caller's turn (listeners added right away miss nothing); `on("message" | "chatCompletion" |
 * "functionToolCall" | "functionToolCallResult" | "content"...)`, `messages` (the conversation so far, live),
 * `finalContent()`, `finalMessage()`, `finalChatCompletion()`, `finalFunctionToolCall()`,
 * `finalFunctionToolCallResult()`, `allChatCompletions()`, `totalUsage()`, `done()`, `abort()`. This holds the
 * listeners (it ships up front); the loop loads with the mesh (`core/tool-runner.ts`).
 * @example
 * const runner = client.chat.completions.runTools({ model: "chat-completion", messages, tools: [{ type: "function", function: { function: getWeather, parse: JSON.parse, parameters } }] });
 * console.log(await runner.finalContent());
 */
export class ChatCompletionRunner extends Listeners {
  /** Aborting it (or `abort()`) stops the loop; it then fails with the abort's reason. */
  readonly controller = new AbortController();
  ended = false;
  errored = false;
  aborted = false;
  /** The conversation: the request's messages, then each answer and each function's result, as they come. */
  readonly messages: ChatCompletionMessageParam[] = [];
  readonly #run: Promise<ToolRunnerOutcome>;

  constructor(start: (host: ToolRunnerHost) => Promise<ToolRunnerOutcome>, callerSignal?: AbortSignal | null, stream?: ToolRunnerHost["stream"]) {
    super();
    if (callerSignal?.aborted) this.controller.abort(callerSignal.reason);
    else callerSignal?.addEventListener("abort", () => this.controller.abort(callerSignal.reason), { once: true });
    const host: ToolRunnerHost = { emit: this.emit, signal: this.controller.signal, messages: this.messages, seen: () => this.seen(), mark: (state) => void (this[state] = true), runner: this, ...(stream ? { stream } : {}) };
    // After the caller's turn, as the official client: listeners added right after runTools() miss nothing.
    this.#run = Promise.resolve(host)
      .then(start)
      .catch((error: unknown) => {
        // The mesh did not start: the loop never ran, but the listeners still hear of it.
        if (!this.ended) {
          this.errored = this.ended = true;
          this.emit("error", error);
          this.emit("end");
        }
        throw error;
      });
    this.#run.catch(() => {});
  }

  /** Stops the loop (and the request running, if any). */
  abort(): void {
    this.controller.abort();
  }

  async done(): Promise<void> {
    await this.allChatCompletions();
  }

  /** Every completion of the run, in order, once it has ended. */
  allChatCompletions(): Promise<ChatCompletion[]> {
    this.watched = true;
    return this.#run.then((outcome) => outcome.completions);
  }

  async finalChatCompletion(): Promise<ChatCompletion> {
    const completions = await this.allChatCompletions();
    return completions.at(-1)!;
  }

  /** The last assistant message (its content and refusal null when absent). */
  async finalMessage(): Promise<ChatCompletionMessage> {
    this.watched = true;
    // A run that ended has an assistant message: every completion it added has one.
    return (await this.#run).message!;
  }

  async finalContent(): Promise<string | null> {
    return (await this.finalMessage()).content;
  }

  /** The function of the last function call the model made, if any. */
  async finalFunctionToolCall(): Promise<{ name: string; arguments: string } | undefined> {
    this.watched = true;
    return (await this.#run).functionCall;
  }

  /** What the last function run returned, as the tool message's text, if any. */
  async finalFunctionToolCallResult(): Promise<string | undefined> {
    this.watched = true;
    return (await this.#run).functionResult;
  }

  /** Tokens of every completion of the run, summed. */
  async totalUsage(): Promise<CompletionUsage> {
    this.watched = true;
    return (await this.#run).usage;
  }
}
