// The part of `chrome.runtime.Port` the worker uses, so its logic runs against a fake in unit tests.

export interface PortSender {
  /** Set by Chrome from the frame that connected: the only origin the worker trusts. */
  origin?: string;
  url?: string;
  id?: string;
  tab?: unknown;
}

export interface PortLike {
  name: string;
  sender?: PortSender;
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(listener: (message: unknown) => void): void };
  onDisconnect: { addListener(listener: () => void): void };
}
