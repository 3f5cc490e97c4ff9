/**
 * `MeshConfig.fromYaml` takes what the FAQ gives it, a file name (`MeshConfig.from_yaml("modelmesh.yaml")`), as well
 * as YAML text. A path used to be parsed as YAML: a plain string, refused as "configuration must be a mapping".
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ConfigError, MeshConfig } from "../src/index.js";

const directory = mkdtempSync(join(tmpdir(), "modelmesh-from-yaml-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const TEXT = "pools:\n  chat:\n    capability: chat-completion\n    strategy: cost-first\nbudget:\n  daily_limit: 5\n";
const refusal = async (promise: Promise<unknown>): Promise<ConfigError> => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
};

describe("MeshConfig.fromYaml", () => {
  it("reads a file given by its path, whatever its ending, to the same configuration as its text", async () => {
    const fromText = await MeshConfig.fromYaml(TEXT);
    expect(fromText.raw).toEqual({ pools: { chat: { capability: "chat-completion", strategy: "cost-first" } }, budget: { daily_limit: 5 } });
    for (const name of ["modelmesh.yaml", "mesh.conf", "with space.yml"]) {
      const path = join(directory, name);
      writeFileSync(path, TEXT);
      const fromFile = await MeshConfig.fromYaml(path);
      expect(fromFile.raw, name).toEqual(fromText.raw);
      expect(fromFile.resolved, name).toEqual(fromText.resolved);
    }
  });

  it("a missing file is a ConfigError naming it, also for a path whose drive letter looks like a YAML key", async () => {
    const missing = join(directory, "absent.yaml");
    const error = await refusal(MeshConfig.fromYaml(missing));
    expect(error.message).toContain(`cannot read configuration file ${missing}: `);
    expect(error.message).toContain("ENOENT");
    expect((await refusal(MeshConfig.fromYaml("C:\\no-such-folder\\modelmesh.yaml"))).message).toContain("cannot read configuration file C:\\no-such-folder\\modelmesh.yaml");
  });

  it("text that is YAML keeps its meaning: a one-line mapping is configuration, not a file name", async () => {
    expect((await MeshConfig.fromYaml("budget: { daily_limit: 2 }")).raw).toEqual({ budget: { daily_limit: 2 } });
    expect((await MeshConfig.fromYaml("")).raw).toEqual({});
    // A key that is no configuration key is refused as configuration, not looked up as a file.
    expect((await refusal(MeshConfig.fromYaml("pool: x.yaml"))).message).toMatch(/^pool: unknown key/);
  });

  describe("where files cannot be read (a browser: no process.getBuiltinModule)", () => {
    const process_ = globalThis.process as { getBuiltinModule?: unknown };
    const getBuiltinModule = process_.getBuiltinModule;
    afterEach(() => {
      process_.getBuiltinModule = getBuiltinModule;
    });

    it("a path is a ConfigError saying files are read only in Node; YAML text still works", async () => {
      const path = join(directory, "present.yaml");
      writeFileSync(path, TEXT);
      process_.getBuiltinModule = undefined;
      const error = await refusal(MeshConfig.fromYaml(path));
      expect(error.message).toContain(`cannot read configuration file ${path}: files can be read only in Node`);
      expect(error.message).toContain("pass the configuration's YAML text or object");
      expect((await MeshConfig.fromYaml(TEXT)).raw.budget).toEqual({ daily_limit: 5 });
    });
  });
});
