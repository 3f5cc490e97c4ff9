export { AutoDiscovery } from "../discovery/auto-discovery.js";
