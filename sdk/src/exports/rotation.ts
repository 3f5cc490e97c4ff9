export {
  BaseRotationPolicy,
  BaseSelectionStrategy,
  type RotationConfig,
  type SelectionContext,
} from "../rotation/rotation.js";
