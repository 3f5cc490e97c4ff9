export { LoadBalancedPolicy, type LoadBalancedConfig } from "../rotation/load-balanced.js";
