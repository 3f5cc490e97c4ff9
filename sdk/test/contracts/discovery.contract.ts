import { describe, expect, it } from "vitest";
import type { BaseDiscovery } from "../../src/discovery/discovery.js";
import { MemorySecretStore } from "../../src/secrets/memory-secrets.js";
import { registerBuiltins } from "../../src/core/builtins.js";
import { checkConnector } from "../../src/core/registry.js";
import { listConnectors } from "../../src/core/registry-load.js";

/** What every discovery connector owes the mesh: provider specs that name registered connectors, and only for keys that exist. */
export function discoveryContract(name: string, make: (config?: Record<string, unknown>) => BaseDiscovery, keys: Record<string, string>): void {
  describe(`${name} (discovery contract)`, () => {
    registerBuiltins();
    it("finds providers whose keys are in the secret store, naming registered connectors", async () => {
      const specs = await make().discover(new MemorySecretStore({ secrets: keys }), listConnectors("provider"));
      expect(specs.length).toBeGreaterThan(0);
      for (const spec of specs) {
        expect(() => checkConnector("provider", spec.connector, spec.path)).not.toThrow();
        expect(spec.enabled).toBe(true);
        expect(JSON.stringify(spec)).not.toContain(Object.values(keys)[0]!);
      }
    });
    it("finds nothing without keys", async () => {
      expect(await make().discover(new MemorySecretStore({ secrets: {} }), listConnectors("provider"))).toEqual([]);
    });
    it("honours the providers filter", async () => {
      expect(await make({ providers: ["no-such-provider"] }).discover(new MemorySecretStore({ secrets: keys }), listConnectors("provider"))).toEqual([]);
    });
  });
}
