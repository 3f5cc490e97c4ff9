import { describe, expect, it } from "vitest";
import type { ModelState } from "../../src/wire/model-state.js";
import { seededRandom } from "../../src/internal/random.js";
import type { BaseRotationPolicy, RotationConfig, SelectionContext } from "../../src/rotation/rotation.js";
import { SITUATIONS, TEST_NOW, isUsable, makeContext, makeState, makeStates, recordFailure, recordSuccess, setSituation } from "./model-states.js";
import type { Situation, StateOverrides } from "./model-states.js";

/** Models of varied price (one unpriced) so every strategy has something to tell apart. */
const UNIVERSE: readonly StateOverrides[] = [
  { providerId: "openai", modelId: "gpt-4o", info: { pricing: { input: 2.5, output: 10 } } },
  { providerId: "openai", modelId: "gpt-4o-mini", info: { pricing: { input: 0.15, output: 0.6 } } },
  { providerId: "anthropic", modelId: "claude-sonnet-4-5", info: { pricing: { input: 3, output: 15 } } },
  { providerId: "groq", modelId: "llama-3.3-70b-versatile", info: { pricing: { input: 0.59, output: 0.79 } } },
  { providerId: "mistral", modelId: "mistral-small-latest", info: { pricing: { input: 0.1, output: 0.3 } } },
  { providerId: "ollama", modelId: "llama3.2" },
  { providerId: "google", modelId: "gemini-2.5-flash", info: { pricing: { input: 0.3, output: 2.5 } } },
];

const REQUEST = { model: "contract-pool", messages: [{ role: "user", content: "Hello" }] };

type Chooser = (candidates: readonly ModelState[], request: unknown, context: SelectionContext) => ModelState | null;

interface Step {
  candidates: readonly ModelState[];
  context: SelectionContext;
  chosen: ModelState | null;
}

/** Each step draws from its own generator, so a step replays identically whatever came before it. */
function stepSeed(seed: number, step: number): number {
  return (Math.imul(seed, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0;
}

/**
 * A pool whose models change situation, quota and membership at every step, driven by a seed, and
 * which records each attempt's outcome on the chosen model the way the router does. The outcome is
 * drawn whatever was chosen, so two worlds with one seed stay in step while their choices agree.
 */
class World {
  readonly states: ModelState[] = UNIVERSE.map((overrides) => makeState(overrides));

  constructor(private readonly seed: number) {}

  step(index: number, choose: Chooser, strategy?: BaseRotationPolicy): Step {
    const random = seededRandom(stepSeed(this.seed, index));
    const now = TEST_NOW + index * 1_000;
    for (const state of this.states) {
      const situation: Situation = random() < 0.5 ? "active" : (SITUATIONS[1 + Math.floor(random() * 4)] ?? "active");
      setSituation(state, situation, now);
      state.rateLimit =
        random() < 0.6
          ? undefined
          : {
              limitRequests: 100,
              remainingRequests: Math.floor(random() * 101),
              resetRequestsAt: now + Math.floor(random() * 4_000) - 1_000,
              limitTokens: 20_000,
              remainingTokens: Math.floor(random() * 20_001),
              resetTokensAt: now + Math.floor(random() * 4_000) - 1_000,
            };
    }
    const members = this.states.filter(() => random() < 0.75);
    const candidates = random() < 0.15 ? shuffle(members, random) : members;
    const sessionRoll = random();
    const context: SelectionContext = {
      poolName: "contract-pool",
      now,
      random: seededRandom(stepSeed(this.seed, index) ^ 0x5bd1e995),
      ...(sessionRoll < 0.3 ? {} : { sessionId: `session-${Math.floor(random() * 6)}` }),
      estimatedInputTokens: Math.floor(random() * 8_000),
      estimatedOutputTokens: Math.floor(random() * 2_000),
    };

    const chosen = choose(candidates, REQUEST, context);

    const succeeded = random() < 0.8;
    const latencyMs = 50 + Math.floor(random() * 950);
    const tokens = Math.floor(random() * 3_000);
    if (chosen !== null) {
      if (succeeded) {
        recordSuccess(chosen, { latencyMs, tokens, cost: tokens / 1_000_000, now });
        strategy?.onSuccess(chosen, context, latencyMs);
      } else {
        recordFailure(chosen, now);
        strategy?.onFailure(chosen, context);
      }
    }
    return { candidates, context, chosen };
  }
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}

function picker(strategy: BaseRotationPolicy): Chooser {
  return (candidates, request, context) => strategy.pick(candidates, request, context);
}

function run(strategy: BaseRotationPolicy, seed: number, steps: number): Array<string | null> {
  const world = new World(seed);
  const keys: Array<string | null> = [];
  for (let index = 0; index < steps; index++) keys.push(world.step(index, picker(strategy), strategy).chosen?.key ?? null);
  return keys;
}

function jsonRoundTrip(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null)) as unknown;
}

/**
 * The rules every rotation strategy must keep, run by each built-in (and usable for custom ones):
 * never pick an unavailable or unoffered model, never decline while a model is available, be
 * deterministic under a seed, and survive a snapshot/restore round trip through JSON.
 * @example
 * rotationContract("round-robin", (config) => new RoundRobinPolicy(config));
 */
export function rotationContract(name: string, make: (config?: RotationConfig) => BaseRotationPolicy): void {
  describe(`rotation contract: ${name}`, () => {
    it("has a connector id of the form vendor.name.vN matching its class's connectorId", () => {
      const strategy = make();
      expect(strategy.id).toMatch(/^[a-z0-9-]+\.[a-z0-9-]+\.v\d+$/);
      const connectorId = (strategy.constructor as { connectorId?: unknown }).connectorId;
      if (connectorId !== undefined) expect(strategy.id).toBe(connectorId);
    });

    it("picks an available offered model whenever one exists, over 200 randomised steps", () => {
      for (const seed of [1, 7, 2024]) {
        const strategy = make();
        const world = new World(seed);
        let picked = 0;
        for (let index = 0; index < 200; index++) {
          world.step(
            index,
            (candidates, request, context) => {
              const before = structuredClone(candidates);
              const chosen = strategy.pick(candidates, request, context);
              // Strategies read model state; only the router writes it.
              expect(candidates).toStrictEqual(before);
              const anyAvailable = candidates.some((state) => strategy.isAvailable(state, context.now));
              if (chosen === null) {
                expect(anyAvailable, `step ${index}: declined although a model was available`).toBe(false);
              } else {
                picked += 1;
                expect(candidates.includes(chosen), `step ${index}: picked a model it was not offered`).toBe(true);
                expect(isUsable(chosen, context.now), `step ${index}: picked unavailable ${chosen.key}`).toBe(true);
              }
              return chosen;
            },
            strategy,
          );
        }
        expect(picked).toBeGreaterThan(100);
      }
    });

    it("gives the same picks for the same seed", () => {
      for (const seed of [3, 99]) {
        const first = run(make(), seed, 200);
        const second = run(make(), seed, 200);
        expect(second).toEqual(first);
        expect(new Set(first.filter((key) => key !== null)).size).toBeGreaterThan(0);
      }
    });

    it("skips cooling, probing and disabled models and may probe a recovered one", () => {
      const strategy = make();
      for (let round = 0; round < 20; round++) {
        // Rotate the mix so every situation takes every position in the pool.
        const shift = round % SITUATIONS.length;
        const rotated = [...SITUATIONS.slice(shift), ...SITUATIONS.slice(0, shift)];
        const states = rotated.map((situation, index) => setSituation(makeState({ providerId: `provider-${index}`, modelId: situation }), situation));
        const context = makeContext({ now: TEST_NOW, sessionId: `session-${round % 3}` });
        const chosen = strategy.pick(states, REQUEST, context);
        expect(chosen?.modelId === "active" || chosen?.modelId === "recovered").toBe(true);
        if (chosen !== null) strategy.onSuccess(chosen, context, 100);
      }
    });

    it("uses a recovered model when it is the only available one", () => {
      const strategy = make();
      const states = (["cooling", "recovered", "probing", "disabled"] as const).map((situation) =>
        setSituation(makeState({ modelId: situation }), situation),
      );
      expect(strategy.pick(states, REQUEST, makeContext())?.modelId).toBe("recovered");
    });

    it("returns null when nothing is offered or nothing offered is available", () => {
      const strategy = make();
      expect(strategy.pick([], REQUEST, makeContext())).toBeNull();
      const unavailable = (["cooling", "probing", "disabled"] as const).map((situation) =>
        setSituation(makeState({ modelId: situation }), situation),
      );
      expect(strategy.pick(unavailable, REQUEST, makeContext())).toBeNull();
      expect(strategy.pick(unavailable, REQUEST, makeContext({ sessionId: "someone" }))).toBeNull();
    });

    it("works with a single candidate", () => {
      const strategy = make();
      const [only] = makeStates("solo/model");
      if (only === undefined) throw new Error("no state");
      for (let index = 0; index < 10; index++) {
        const context = makeContext({ now: TEST_NOW + index, sessionId: index % 2 === 0 ? "session" : undefined });
        expect(strategy.pick([only], REQUEST, context)).toBe(only);
        if (index % 3 === 0) {
          recordFailure(only);
          strategy.onFailure(only, context);
        } else {
          recordSuccess(only, { latencyMs: 100, tokens: 50 });
          strategy.onSuccess(only, context, 100);
        }
      }
      setSituation(only, "cooling");
      expect(strategy.pick([only], REQUEST, makeContext())).toBeNull();
    });

    it("takes a snapshot that survives JSON and continues identically after restore", () => {
      // Several split points, since a cursor lost in restore may by chance agree at any single one.
      for (const seed of [5, 31]) {
        for (const split of [23, 61, 97, 142]) {
          const original = make();
          const world = new World(seed);
          const history: Array<string | null> = [];
          for (let index = 0; index < split; index++) history.push(world.step(index, picker(original), original).chosen?.key ?? null);

          const snapshot = original.snapshot();
          expect(jsonRoundTrip(snapshot)).toStrictEqual(snapshot ?? null);

          const restored = make();
          restored.restore(jsonRoundTrip(snapshot));
          // Bring a second world to the same point by replaying the original's picks.
          const replayWorld = new World(seed);
          for (let index = 0; index < split; index++) {
            const key = history[index];
            replayWorld.step(index, (candidates) => candidates.find((state) => state.key === key) ?? null);
          }
          expect(replayWorld.states).toStrictEqual(world.states);

          for (let index = split; index < split + 40; index++) {
            const expected = world.step(index, picker(original), original).chosen?.key ?? null;
            const actual = replayWorld.step(index, picker(restored), restored).chosen?.key ?? null;
            expect(actual, `seed ${seed}, split ${split}, step ${index}`).toBe(expected);
          }
        }
      }
    });

    it("ignores a snapshot it cannot read", () => {
      for (const junk of [undefined, null, 42, "cursor", [], {}, { sessions: "x", windows: 3, currentWeights: null, order: {} }]) {
        const strategy = make();
        expect(() => strategy.restore(junk)).not.toThrow();
        const states = makeStates("a/one", "b/two");
        expect(states).toContain(strategy.pick(states, REQUEST, makeContext({ sessionId: "session" })));
      }
    });

    it("takes a model out after failureThreshold consecutive failures (default 3)", () => {
      const byDefault = make();
      expect(byDefault.shouldDeactivate(makeState({ consecutiveFailures: 2 }))).toBe(false);
      expect(byDefault.shouldDeactivate(makeState({ consecutiveFailures: 3 }))).toBe(true);
      const patient = make({ failureThreshold: 5 });
      expect(patient.shouldDeactivate(makeState({ consecutiveFailures: 4 }))).toBe(false);
      expect(patient.shouldDeactivate(makeState({ consecutiveFailures: 5 }))).toBe(true);
      const strict = make({ failureThreshold: 1 });
      expect(strict.shouldDeactivate(makeState({ consecutiveFailures: 1 }))).toBe(true);
    });
  });
}
