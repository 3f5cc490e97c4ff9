export {
  capabilities,
  resolveCapability,
  capabilityCovers,
  type CapabilityNode,
} from "../wire/capabilities.js";
