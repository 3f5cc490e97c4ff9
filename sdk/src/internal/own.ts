/**
 * A table lookup that sees only the table's own keys. Provider tables are indexed by strings a service sends
 * (`stop_reason`, an error `type`), and a plain object also answers `constructor` or `toString` from its prototype:
 * a hostile or odd value would turn into a function where a finish reason or a status was expected.
 * @example
 * ownValue({ end_turn: "stop" }, "constructor"); // undefined
 * ownValue({ end_turn: "stop" }, "end_turn");    // "stop"
 */
export function ownValue<Value>(table: Readonly<Record<string, Value>>, key: string): Value | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
