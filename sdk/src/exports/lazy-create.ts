export { create } from "../client/lazy-create.js";
