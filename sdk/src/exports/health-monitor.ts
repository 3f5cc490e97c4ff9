export {
  HealthMonitor,
  type HealthMonitorConfig,
  type HealthTarget,
  type HealthReport,
} from "../discovery/health-monitor.js";
