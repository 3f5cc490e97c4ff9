// The error classes `modelmesh/lazy` exports (ConfigError and InvalidRequestError come from exports/error-base.ts).
export {
  ModelMeshError,
  ProviderError,
  AuthenticationError,
  RateLimitError,
  TimeoutError,
  ConnectionError,
  BudgetExceededError,
  NoCapableModelError,
  SecretNotFoundError,
  StorageError,
  StreamInterruptedError,
  AllProvidersExhaustedError,
  isModelMeshError,
  type Attempt,
} from "../wire/errors.js";
