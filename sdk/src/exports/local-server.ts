export { LocalServerProvider } from "../provider/local-server.js";
