// A quick chat in the popup: the answer streams in as the worker sends chunks; Stop disconnects the port.
import { useRef, useState } from "preact/hooks";
import { describeError } from "../ui/admin-client.js";
import { runAdminChat, type ChatTurn, type ConnectChatPort } from "../ui/admin-chat.js";

/**
 * The popup's chat box.
 * @example
 * <QuickChat connectChat={connectBrowserChat} />
 */
export function QuickChat({ connectChat, onAnswered }: { connectChat: ConnectChatPort; onAnswered?: () => void }) {
  const [turns, setTurns] = useState<ChatTurn[]>([]);
  const [draft, setDraft] = useState("");
  const [answer, setAnswer] = useState("");
  const [model, setModel] = useState<string | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [streaming, setStreaming] = useState(false);
  const controller = useRef<AbortController | undefined>(undefined);

  const send = async (event: Event) => {
    event.preventDefault();
    const question = draft.trim();
    if (!question || controller.current) return;
    const messages: ChatTurn[] = [...turns, { role: "user", content: question }];
    const abort = new AbortController();
    controller.current = abort;
    setStreaming(true);
    setTurns(messages);
    setDraft("");
    setAnswer("");
    setModel(undefined);
    setProblem(undefined);
    try {
      const done = await runAdminChat(connectChat, { messages }, {
        signal: abort.signal,
        onProgress: (progress) => {
          setAnswer(progress.text);
          setModel(progress.model);
        },
      });
      setTurns([...messages, { role: "assistant", content: done.text }]);
      setAnswer("");
    } catch (error) {
      setProblem(describeError(error));
    } finally {
      controller.current = undefined;
      setStreaming(false);
      onAnswered?.();
    }
  };

  return (
    <section aria-labelledby="chat-title" data-testid="quick-chat">
      <h2 id="chat-title">Quick chat</h2>
      <ol class="turns" aria-live="polite" data-testid="chat-turns">
        {turns.map((turn, index) => (
          <li key={index} class={turn.role} data-testid={`chat-${turn.role}`}>
            {turn.content}
          </li>
        ))}
        {(streaming || answer) && (
          <li class="assistant streaming" data-testid="chat-answer">
            {answer || "…"}
          </li>
        )}
      </ol>
      {model && <p class="muted" data-testid="chat-model">Answered by {model}</p>}
      {problem && (
        <p role="alert" class="error" data-testid="chat-error">
          {problem}
        </p>
      )}
      <form onSubmit={send} class="chat-form">
        <label for="chat-input" class="visually-hidden">
          Your message
        </label>
        <textarea
          id="chat-input"
          rows={2}
          value={draft}
          placeholder="Ask something"
          onInput={(event) => setDraft(event.currentTarget.value)}
          onKeyDown={(event) => {
            // Enter sends, Shift+Enter starts a new line, as in most chat boxes.
            if (event.key === "Enter" && !event.shiftKey) {
              event.preventDefault();
              (event.currentTarget.form as HTMLFormElement | null)?.requestSubmit();
            }
          }}
          data-testid="chat-input"
        />
        {streaming ? (
          <button type="button" onClick={() => controller.current?.abort()} data-testid="chat-stop">
            Stop
          </button>
        ) : (
          <button type="submit" disabled={!draft.trim()} data-testid="chat-send">
            Send
          </button>
        )}
      </form>
    </section>
  );
}
