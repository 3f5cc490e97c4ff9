export { create } from "../client/create.js";
