// A value in `chrome.storage.local` with a version and migrations (wxt's storage items, reduced to what we need).
// Stored as `{ version, value }`; a worker that finds an older version migrates it step by step and writes it back.

/** The part of `chrome.storage.local` (or `browser.storage.local`) an item uses. */
export interface StorageAreaLike {
  get(keys: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
}

/**
 * What an item is: its storage key, current version, value when nothing is stored, and one migration per version
 * (`migrations[n]` turns a version n − 1 value into a version n value; version 0 is a value stored without a wrapper).
 * @example
 * const counter = defineItem<number>({ key: "counter", version: 1, fallback: () => 0 });
 */
export interface ItemDefinition<T> {
  key: string;
  version: number;
  fallback: () => T;
  migrations?: Record<number, (old: unknown) => unknown>;
}

/**
 * A typed, versioned storage item; writes are serialised so concurrent updates do not lose each other.
 * @example
 * const item = new StoredItem(chrome.storage.local, { key: "sites", version: 1, fallback: () => ({}) });
 * await item.update((sites) => ({ ...sites, [origin]: grant }));
 */
export class StoredItem<T> {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly area: StorageAreaLike,
    readonly definition: ItemDefinition<T>,
  ) {}

  /** The current value, migrated to the current version (and written back when a migration ran). */
  async get(): Promise<T> {
    await this.#queue.catch(() => undefined);
    return this.read();
  }

  async set(value: T): Promise<void> {
    await this.update(() => value);
  }

  /** Reads, applies `change`, writes; changes run one after another. */
  update(change: (value: T) => T | Promise<T>): Promise<T> {
    const next = this.#queue.catch(() => undefined).then(async () => {
      const value = await change(await this.read());
      await this.area.set({ [this.definition.key]: { version: this.definition.version, value } });
      return value;
    });
    this.#queue = next;
    return next;
  }

  private async read(): Promise<T> {
    const { key, version, fallback, migrations = {} } = this.definition;
    const stored = (await this.area.get(key))[key];
    if (stored === undefined) return fallback();
    const wrapped = typeof stored === "object" && stored !== null && "version" in stored && "value" in stored;
    let storedVersion = wrapped ? Number((stored as { version: unknown }).version) : 0;
    let value = wrapped ? (stored as { value: unknown }).value : stored;
    if (!Number.isInteger(storedVersion) || storedVersion > version) return fallback();
    if (storedVersion === version) return value as T;
    while (storedVersion < version) {
      storedVersion += 1;
      const migrate = migrations[storedVersion];
      // A version with no migration step changed nothing in the shape.
      if (migrate) value = migrate(value);
    }
    await this.area.set({ [key]: { version, value } });
    return value as T;
  }
}
