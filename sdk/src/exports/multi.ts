export { MultiSink } from "../observability/multi.js";
