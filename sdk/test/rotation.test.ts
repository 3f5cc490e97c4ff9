import { CostFirstPolicy } from "../src/rotation/cost-first.js";
import { LatencyFirstPolicy } from "../src/rotation/latency-first.js";
import { LoadBalancedPolicy } from "../src/rotation/load-balanced.js";
import { PrioritySelectionPolicy } from "../src/rotation/priority-selection.js";
import { RateLimitAwarePolicy } from "../src/rotation/rate-limit-aware.js";
import { RoundRobinPolicy } from "../src/rotation/round-robin.js";
import { SessionStickinessPolicy } from "../src/rotation/session-stickiness.js";
import { StickUntilFailurePolicy } from "../src/rotation/stick-until-failure.js";
import { rotationContract } from "./contracts/rotation.contract.js";

rotationContract("stick-until-failure", (config) => new StickUntilFailurePolicy(config));
rotationContract("cost-first", (config) => new CostFirstPolicy(config));
rotationContract("latency-first", (config) => new LatencyFirstPolicy(config));
rotationContract("latency-first with exploration", (config) => new LatencyFirstPolicy({ explorationRate: 0.3, ...config }));
rotationContract("round-robin", (config) => new RoundRobinPolicy(config));
rotationContract("priority", (config) => new PrioritySelectionPolicy(config));
rotationContract("priority with a preference list", (config) =>
  new PrioritySelectionPolicy({ priorities: ["anthropic", "gpt-4o-mini", "google/*", "llama*"], ...config }),
);
rotationContract("session-stickiness", (config) => new SessionStickinessPolicy(config));
rotationContract("session-stickiness with a small memory", (config) => new SessionStickinessPolicy({ maxSessions: 2, ...config }));
rotationContract("rate-limit-aware", (config) => new RateLimitAwarePolicy(config));
rotationContract("rate-limit-aware with configured limits", (config) =>
  new RateLimitAwarePolicy({ threshold: 0.3, limits: { openai: { requestsPerMinute: 5, tokensPerMinute: 8_000 }, "groq/*": { requestsPerMinute: 3 } }, ...config }),
);
rotationContract("rate-limit-aware preferring pool order", (config) =>
  new RateLimitAwarePolicy({ prefer: "order", limits: { "gpt-4o*": { requestsPerMinute: 4 }, "*": { tokensPerMinute: 30_000 } }, ...config }),
);
rotationContract("load-balanced", (config) => new LoadBalancedPolicy(config));
rotationContract("load-balanced with weights", (config) =>
  new LoadBalancedPolicy({ weights: { openai: 3, "openai/gpt-4o": 1, anthropic: 2, ollama: 0 }, ...config }),
);
