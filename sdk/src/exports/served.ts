export {
  servedBy,
  servedHeaders,
  SERVED_BY,
  type ServedBy,
} from "../wire/served.js";
