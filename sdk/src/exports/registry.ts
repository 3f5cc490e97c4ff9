export {
  registerConnector,
  registerConnectorLoader,
  type ConnectorKind,
  type ConnectorClass,
  type ConnectorDescription,
  type ConnectorLoader,
} from "../core/registry.js";
