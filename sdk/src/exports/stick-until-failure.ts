export { StickUntilFailurePolicy } from "../rotation/stick-until-failure.js";
