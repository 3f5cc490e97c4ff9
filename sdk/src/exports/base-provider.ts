export {
  BaseProvider,
  createBaseProviderConfig,
  type BaseProviderConfig,
  type BaseProviderConfigInput,
} from "../provider/base-provider.js";
