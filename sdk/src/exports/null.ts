export { NullObservability } from "../observability/null.js";
