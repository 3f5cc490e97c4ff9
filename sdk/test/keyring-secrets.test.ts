/**
 * The keyring store against a real Secret Service: Debian's gnome-keyring on a private, headless D-Bus session
 * (dbus-run-session), which this test starts; the contract suite and a cross-check with libsecret's secret-tool run
 * inside it (keyring/keyring-session.suite.ts, through vitest again, because the native library reads the session
 * address from the process environment, which a worker thread cannot change).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { SecretStoreError } from "../src/secrets/secret-store-error.js";
import { KeyringSecretStore } from "../src/node/keyring-secrets.js";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const PACKAGES = "dbus gnome-keyring libsecret-tools";
const directory = mkdtempSync(join(tmpdir(), "modelmesh-keyring-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function missingCommands(): string[] {
  return ["dbus-run-session", "gnome-keyring-daemon", "secret-tool"].filter((command) => spawnSync("sh", ["-c", `command -v ${command}`]).status !== 0);
}

describe("KeyringSecretStore (modelmesh.keyring.v1)", () => {
  it("passes the secret store contract inside a headless gnome-keyring Secret Service", { timeout: 180_000 }, () => {
    const missing = missingCommands();
    // Not a skip: without these the keyring store is untested, and the run must say how to fix that.
    expect(missing, `missing ${missing.join(", ")}: install the Debian packages ${PACKAGES} (apt-get install -y --no-install-recommends ${PACKAGES})`).toEqual([]);
    const home = join(directory, "home");
    const runtime = join(directory, "runtime");
    const report = join(directory, "report.json");
    // A private HOME and XDG folders: the keyring file is written there, never into the user's own keyring.
    const script = `mkdir -p "$HOME" && mkdir -m 700 -p "$XDG_RUNTIME_DIR" && printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec node node_modules/vitest/vitest.mjs run --config sdk/test/keyring/vitest.config.ts --reporter=json --outputFile=${JSON.stringify(report)}`;
    const result = spawnSync("dbus-run-session", ["--", "sh", "-c", script], {
      cwd: ROOT,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, XDG_RUNTIME_DIR: runtime, XDG_DATA_HOME: join(home, "data"), XDG_CONFIG_HOME: join(home, "config") },
      timeout: 170_000,
    });
    const output = `${result.stdout}\n${result.stderr}`.slice(-4_000);
    expect(result.error, output).toBeUndefined();
    let parsed: { numPassedTests: number; numFailedTests: number; testResults: Array<{ assertionResults: Array<{ fullName: string; status: string }> }> };
    try {
      parsed = JSON.parse(readFileSync(report, "utf8"));
    } catch {
      throw new Error(`the keyring suite wrote no report (exit ${result.status}):\n${output}`);
    }
    const results = parsed.testResults.flatMap((file) => file.assertionResults);
    const failed = results.filter((test) => test.status !== "passed").map((test) => `${test.status}: ${test.fullName}`);
    expect(failed, output).toEqual([]);
    expect(result.status, output).toBe(0);
    // Every contract test and every round trip ran (none skipped, none silently missing).
    expect(results.filter((test) => test.fullName.includes("(secret store contract)")).length).toBeGreaterThanOrEqual(12);
    expect(results.map((test) => test.fullName)).toEqual(expect.arrayContaining([expect.stringContaining("secret-tool"), expect.stringContaining("auto-discovery")]));
  });

  it("with no Secret Service, open(), get() and create()'s start fail with backend_unavailable saying why", { timeout: 60_000 }, () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "sdk/test/keyring/keyring-unavailable.probe.ts"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: join(directory, "nobody"), DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(directory, "no-such-bus")}` },
      timeout: 55_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as Record<"open" | "get" | "start", { ok: boolean; name: string; reason: string; code: string; message: string }>;
    for (const step of [outcome.open, outcome.get, outcome.start]) {
      expect(step).toMatchObject({ ok: false, name: "SecretStoreError", reason: "backend_unavailable", code: "secret_store_backend_unavailable" });
      expect(step.message).toContain("modelmesh.keyring.v1: the OS keyring is not available");
      expect(step.message).toContain("dbus-run-session");
    }
  });

  it("without the library, fails with library_unavailable naming the package to install", async () => {
    const store = new KeyringSecretStore({ library: () => Promise.reject(new Error("Cannot find package '@napi-rs/keyring'")) });
    const error = await store.open().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretStoreError);
    expect((error as SecretStoreError).reason).toBe("library_unavailable");
    expect((error as Error).message).toContain("npm install @napi-rs/keyring");
    // get() says the same, rather than "secret not found".
    expect(((await store.get("OPENAI_API_KEY").catch((caught: unknown) => caught)) as SecretStoreError).reason).toBe("library_unavailable");
    const old = new KeyringSecretStore({ library: { Entry: class {} } as never });
    expect(((await old.open().catch((caught: unknown) => caught)) as SecretStoreError).message).toContain("2.1 or later");
  });

  it("refuses an empty service name", () => {
    expect(() => new KeyringSecretStore({ service: "" })).toThrow(/service/);
    expect(new KeyringSecretStore().service).toBe("modelmesh");
  });
});
