// The popup: model status and today's spend (refreshed every few seconds while open, so a cooldown counts down),
// and the quick chat.
import { useEffect, useState } from "preact/hooks";
import type { SendAdmin } from "../ui/admin-client.js";
import type { ConnectChatPort } from "../ui/admin-chat.js";
import { useLoad } from "../ui/use-load.js";
import { QuickChat } from "./quick-chat.js";
import { StatusPanel } from "./status-panel.js";

/**
 * The whole popup.
 * @example
 * render(<PopupApp sendAdmin={browserSendAdmin()} connectChat={connectBrowserChat} openOptions={openBrowserOptions} />, document.getElementById("app")!);
 */
export function PopupApp({ sendAdmin, connectChat, openOptions, refreshMs = 5_000 }: { sendAdmin: SendAdmin; connectChat: ConnectChatPort; openOptions?: () => void; refreshMs?: number }) {
  const status = useLoad(() => sendAdmin("status.get", {}), [sendAdmin]);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
      void status.reload();
    }, refreshMs);
    return () => clearInterval(timer);
  }, [status.reload, refreshMs]);
  return (
    <div class="popup">
      <header class="spend-line">
        <h1>ModelMesh</h1>
        {openOptions && (
          <button type="button" class="link" onClick={openOptions}>
            Options
          </button>
        )}
      </header>
      {status.error && (
        <p role="alert" class="error">
          Could not load the status: {status.error}
        </p>
      )}
      {status.value && <StatusPanel report={status.value} now={now} />}
      <QuickChat connectChat={connectChat} onAnswered={() => void status.reload()} />
    </div>
  );
}
