export { RoundRobinPolicy } from "../rotation/round-robin.js";
