// Test support: an admin channel that answers like the service worker (through a structured clone, errors as
// `toJSON()` output) from handlers a test gives, and records every message sent. Not imported by any entry.
import { ModelMeshError } from "modelmesh";
import { act } from "preact/test-utils";
import type { AdminHandlers, AdminMessage, AdminReply, AdminType, PortReply } from "../shared/protocol.js";
import type { ChatPort } from "./admin-chat.js";
import { createSendAdmin, type AdminChannel, type AdminParams, type AdminValue, type SendAdmin } from "./admin-client.js";

/**
 * What the fake worker answers, per admin message type (a throw becomes an error reply).
 * @example
 * const handlers: FakeHandlers = { "keys.list": () => [] };
 */
export type FakeHandlers = { [T in AdminType]?: (params: AdminParams<T>) => AdminValue<T> | Promise<AdminValue<T>> };

/**
 * A fake admin channel for unit tests.
 * @example
 * const admin = fakeAdmin({ "keys.list": () => [] });
 * render(<KeysSection sendAdmin={admin.sendAdmin} />, container);
 * admin.sentOf("keys.set") // the keys.set messages the page sent
 */
export function fakeAdmin(handlers: FakeHandlers): { channel: AdminChannel; sendAdmin: SendAdmin; sent: AdminMessage[]; sentOf: <T extends AdminType>(type: T) => AdminMessage<T>[] } {
  const sent: AdminMessage[] = [];
  const channel: AdminChannel = async (message) => {
    const copy = structuredClone(message);
    sent.push(copy);
    const { type, ...params } = copy;
    const handler = handlers[type] as ((params: unknown) => unknown) | undefined;
    let reply: AdminReply;
    try {
      if (!handler) throw new ModelMeshError(`No handler for "${type}"`, { code: "unknown_message" });
      reply = { ok: true, value: (await handler(params)) as ReturnType<AdminHandlers[AdminType]> };
    } catch (error) {
      const modelMeshError = error instanceof ModelMeshError ? error : new ModelMeshError(String(error));
      reply = { ok: false, error: modelMeshError.toJSON() };
    }
    return structuredClone(reply);
  };
  return {
    channel,
    sendAdmin: createSendAdmin(channel),
    sent,
    sentOf: <T extends AdminType>(type: T) => sent.filter((message) => message.type === type) as AdminMessage<T>[],
  };
}

/**
 * Lets every pending promise and Preact's batched render run.
 * @example
 * await settle();
 */
export async function settle(rounds = 5): Promise<void> {
  for (let round = 0; round < rounds; round += 1) {
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
  }
}

/**
 * Types into a field the way a person does (value, then the `input` event Preact listens to).
 * @example
 * typeInto(container.querySelector("#key-openai")!, "sk-test");
 */
export function typeInto(field: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  field.value = value;
  field.dispatchEvent(new Event("input", { bubbles: true }));
}

/**
 * Picks an option of a select (value, then `change`).
 * @example
 * choose(select, "cost-first");
 */
export function choose(select: HTMLSelectElement, value: string): void {
  select.value = value;
  select.dispatchEvent(new Event("change", { bubbles: true }));
}

/**
 * The element with a `data-testid` inside a root, or a clear failure.
 * @example
 * byTestId(container, "key-save").click();
 */
export function byTestId<E extends Element = HTMLElement>(root: ParentNode, testId: string): E {
  const element = root.querySelector<E>(`[data-testid="${testId}"]`);
  if (!element) throw new Error(`No element with data-testid="${testId}"`);
  return element;
}

/**
 * A chat port whose other end the test plays: it records what the popup posts and whether it disconnected.
 * @example
 * const fake = fakeChatPort();
 * render(<QuickChat connectChat={() => fake.port} />, container);
 * fake.reply({ kind: "end" });
 */
export function fakeChatPort() {
  const messageListeners: Array<(message: unknown) => void> = [];
  const disconnectListeners: Array<() => void> = [];
  const state = { posted: [] as unknown[], disconnected: false };
  const port: ChatPort = {
    postMessage: (message) => state.posted.push(structuredClone(message)),
    disconnect: () => {
      state.disconnected = true;
    },
    onMessage: { addListener: (listener) => messageListeners.push(listener) },
    onDisconnect: { addListener: (listener) => disconnectListeners.push(listener) },
  };
  return {
    port,
    state,
    reply: (message: PortReply) => messageListeners.forEach((listener) => listener(structuredClone(message))),
    close: () => disconnectListeners.forEach((listener) => listener()),
  };
}

