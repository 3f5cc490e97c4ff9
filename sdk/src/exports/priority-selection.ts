export { PrioritySelectionPolicy, type PrioritySelectionConfig } from "../rotation/priority-selection.js";
