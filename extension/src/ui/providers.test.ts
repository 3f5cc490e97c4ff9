import { capabilities } from "modelmesh";
import { describe, expect, it } from "vitest";
import { CAPABILITIES } from "./providers.js";

describe("CAPABILITIES", () => {
  it("offers only names the SDK resolves to a known capability", () => {
    for (const name of CAPABILITIES) expect(capabilities.isKnown(capabilities.resolve(name)), name).toBe(true);
  });
});
