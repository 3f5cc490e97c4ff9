import { AutoDiscovery, HealthMonitor } from "../src/index.js";
import { discoveryContract } from "./contracts/discovery.contract.js";

discoveryContract("AutoDiscovery", (config) => new AutoDiscovery(config), { OPENAI_API_KEY: "sk-discovery-000000000000000" });
discoveryContract("HealthMonitor", (config) => new HealthMonitor(config), { OPENAI_API_KEY: "sk-discovery-000000000000000" });
