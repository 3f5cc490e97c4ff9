/**
 * The reader's own `./connectors/vault-store` (and `@corp/modelmesh-connectors`) that the FAQ imports but never shows:
 * a minimal, real HashiCorp Vault (KV v2) secret store. It reads `GET {vault_url}/v1/secret/data/{name}` with the
 * `X-Vault-Token` header and returns `data.data.value`, as the FAQ's Python `VaultSecretStore` does. The FAQ test
 * runs it against a fake Vault on 127.0.0.1.
 */
import { BaseSecretStore } from "../../../../src/index.js";

export interface VaultSecretStoreConfig {
  /** YAML `vault_url`. A registered connector is given its keys as written, each readable in either spelling. */
  vault_url?: string;
  vaultUrl?: string;
  token?: string;
  fetch?: typeof fetch;
}

export class VaultSecretStore extends BaseSecretStore {
  static readonly connectorId = "corp.vault-secrets.v1";
  private readonly vaultUrl: string;
  private readonly token: string;
  private readonly fetchImplementation: typeof fetch;

  constructor(config: VaultSecretStoreConfig = {}) {
    super({ cacheEnabled: true, cacheTtlMs: 60_000 });
    const url = config.vault_url ?? config.vaultUrl;
    if (!url) throw new Error("VaultSecretStore needs vault_url");
    this.vaultUrl = url.replace(/\/$/, "");
    this.token = config.token ?? "";
    this.fetchImplementation = config.fetch ?? globalThis.fetch.bind(globalThis);
  }

  protected async _resolve(name: string): Promise<string | null> {
    const response = await this.fetchImplementation(`${this.vaultUrl}/v1/secret/data/${encodeURIComponent(name)}`, { headers: { "X-Vault-Token": this.token } });
    if (!response.ok) return null;
    const body = (await response.json()) as { data?: { data?: { value?: unknown } } };
    return typeof body.data?.data?.value === "string" ? body.data.data.value : null;
  }
}
