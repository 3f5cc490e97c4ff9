export {
  DEFAULT_POOL_SETTINGS,
  type MeshConfigObject,
  type ResolvedConfig,
  type PoolSpec,
  type PoolSettings,
  type ProviderSpec,
  type ConnectorSpec,
  type RetrySettings,
  type DeactivationSettings,
  type RecoverySettings,
  type StreamFailoverMode,
} from "../core/config.js";
