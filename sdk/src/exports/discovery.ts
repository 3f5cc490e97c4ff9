export { BaseDiscovery, type DiscoveryConfig } from "../discovery/discovery.js";
