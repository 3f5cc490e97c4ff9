export { CostFirstPolicy } from "../rotation/cost-first.js";
