// One loading pattern for every panel: the value, the error to show, and a way to load again after a change.
import { useCallback, useEffect, useState } from "preact/hooks";
import { describeError } from "./admin-client.js";

/**
 * What `useLoad` keeps.
 * @example
 * const { value, error, reload }: Loaded<KeyInfo[]> = useLoad(() => sendAdmin("keys.list", {}), []);
 */
export interface Loaded<T> {
  value: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => Promise<void>;
}

/**
 * Runs `load` on mount (and when `keys` change) and keeps its outcome.
 * @example
 * const sites = useLoad(() => sendAdmin("sites.list", {}), []);
 */
export function useLoad<T>(load: () => Promise<T>, keys: unknown[]): Loaded<T> {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  // The caller names what the load depends on (as useEffect deps), so a new closure alone does not reload.
  const reload = useCallback(async () => {
    setLoading(true);
    try {
      setValue(await load());
      setError(undefined);
    } catch (problem) {
      setError(describeError(problem));
    } finally {
      setLoading(false);
    }
  }, keys);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { value, error, loading, reload };
}
