export { fromResponse } from "../provider/error-factory.js";
