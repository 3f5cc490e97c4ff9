export { ConfigError, InvalidRequestError, isSerializedError, type ModelMeshErrorOptions, type SerializedError } from "../wire/error-base.js";
