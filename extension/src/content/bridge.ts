// Content script entry (filled in by the bridge module).
export {};
