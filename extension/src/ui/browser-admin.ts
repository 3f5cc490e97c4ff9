// The real channels of the extension's pages, over webextension-polyfill. Only the entry files import this module:
// the polyfill throws outside an extension, so components take `sendAdmin` and `connectChat` as props instead.
import browser from "webextension-polyfill";
import { PORT_ADMIN_CHAT, type AdminMessage } from "../shared/protocol.js";
import { createSendAdmin, type SendAdmin } from "./admin-client.js";
import type { ChatPort, ConnectChatPort } from "./admin-chat.js";

/**
 * `sendAdmin` over `runtime.sendMessage` to the extension's service worker.
 * @example
 * const keys = await browserSendAdmin()("keys.list", {});
 */
export function browserSendAdmin(): SendAdmin {
  return createSendAdmin((message: AdminMessage) => browser.runtime.sendMessage(message));
}

/**
 * Opens the popup's chat port to the service worker.
 * @example
 * await runAdminChat(connectBrowserChat, { messages: [{ role: "user", content: "Hi" }] });
 */
export const connectBrowserChat: ConnectChatPort = (): ChatPort => browser.runtime.connect({ name: PORT_ADMIN_CHAT });

/**
 * Opens the extension's options page in a tab (from the popup).
 * @example
 * <button onClick={openBrowserOptions}>Options</button>
 */
export const openBrowserOptions = (): void => void browser.runtime.openOptionsPage();
