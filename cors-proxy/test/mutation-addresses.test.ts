// Address-rule edges that mutation testing found unpinned: each test fails when the named rule is changed.
import { describe, expect, it } from "vitest";
import { ConfigError } from "modelmesh";
import { parseHostPattern } from "../src/addresses.js";

describe("host patterns are canonicalised the way the URL parser does", () => {
  it("maps an internationalised name through its lower-case form (ß stays ß, becoming punycode)", () => {
    // Upper-casing first would turn ß into SS and name a different host (strasse.de).
    expect(parseHostPattern("straße.de").host).toBe(new URL("http://straße.de/").hostname);
    expect(parseHostPattern("straße.de").host).not.toBe("strasse.de");
  });

  it("calls an empty pattern an invalid host, not a misplaced wildcard", () => {
    for (const text of ["", "."]) {
      const thrown = (() => {
        try {
          parseHostPattern(text);
        } catch (error) {
          return error;
        }
        return undefined;
      })();
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as Error).message).toContain("is not a valid host name");
      expect((thrown as Error).message).not.toContain("wildcard");
    }
  });
});
