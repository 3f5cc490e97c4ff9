import { describe, expect, it } from "vitest";
import { capabilities, capabilityCovers, resolveCapability } from "./capabilities.js";
import type { CapabilityNode } from "./capabilities.js";
import { ConfigError } from "./error-base.js";

const REQUIRED_PATHS = [
  "generation.text-generation.chat-completion",
  "generation.text-generation.code-generation",
  "generation.text-generation.text-completion",
  "representation.embeddings.text-embeddings",
  "representation.embeddings.image-embeddings",
  "generation.audio-generation.text-to-speech",
  "understanding.audio-understanding.speech-to-text",
  "generation.image-generation.text-to-image",
  "generation.image-generation.image-editing",
  "understanding.image-understanding.vision",
  "understanding.image-understanding.ocr",
  "transformation.text-transformation.translation",
  "transformation.text-transformation.summarization",
  "retrieval.search.web-search",
  "retrieval.reranking",
  "retrieval.content-extraction.web-scraping",
  "retrieval.content-extraction.document-reading",
  "interaction.tool-use.function-calling",
  "evaluation.safety.moderation",
  "understanding.text-understanding.classification",
];

function walk(node: CapabilityNode, visit: (node: CapabilityNode) => void): void {
  visit(node);
  for (const child of node.children) walk(child, visit);
}

describe("capabilities", () => {
  it("has exactly the seven roots, in order", () => {
    expect(capabilities.tree().children.map((root) => root.name)).toEqual([
      "generation",
      "understanding",
      "transformation",
      "representation",
      "retrieval",
      "interaction",
      "evaluation",
    ]);
  });

  it("contains every path the catalogue and providers rely on, as leaves", () => {
    const paths = capabilities.listPaths();
    for (const path of REQUIRED_PATHS) {
      expect(paths).toContain(path);
      expect(capabilities.isLeaf(path)).toBe(true);
    }
  });

  it("gives every node a unique name and a path that ends with it", () => {
    const names: string[] = [];
    walk(capabilities.tree(), (node) => {
      if (node.path === "") return;
      names.push(node.name);
      expect(node.path.split(".").at(-1)).toBe(node.name);
    });
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThan(60);
  });

  it("lists leaf aliases in tree order (the FAQ's examples first among their roots)", () => {
    const all = capabilities.listAll();
    expect(all.slice(0, 3)).toEqual(["chat-completion", "text-completion", "code-generation"]);
    for (const alias of ["chat-completion", "code-generation", "text-embeddings", "text-to-speech", "speech-to-text", "text-to-image"]) {
      expect(all).toContain(alias);
    }
    expect(all).not.toContain("text-generation");
    expect(all).toHaveLength(capabilities.listPaths().length);
    expect(all.indexOf("text-to-image")).toBeLessThan(all.indexOf("speech-to-text"));
  });

  it("resolves the FAQ's alias and every leaf alias to its full path", () => {
    expect(capabilities.resolve("chat-completion")).toBe("generation.text-generation.chat-completion");
    const aliases = capabilities.listAll();
    const paths = capabilities.listPaths();
    aliases.forEach((alias, position) => expect(capabilities.resolve(alias)).toBe(paths[position]));
  });

  it("resolves inner node names, full paths, path tails and loose spellings", () => {
    expect(capabilities.resolve("text-generation")).toBe("generation.text-generation");
    expect(capabilities.resolve("generation")).toBe("generation");
    expect(capabilities.resolve("reranking")).toBe("retrieval.reranking");
    expect(capabilities.resolve("retrieval.search.web-search")).toBe("retrieval.search.web-search");
    expect(capabilities.resolve("search.web-search")).toBe("retrieval.search.web-search");
    expect(capabilities.resolve("  Chat_Completion ")).toBe("generation.text-generation.chat-completion");
    expect(resolveCapability("embeddings")).toBe("representation.embeddings");
  });

  it("rejects unknown values and wrong paths with a ConfigError suggesting close matches", () => {
    expect(() => capabilities.resolve("chat-compleiton")).toThrow(ConfigError);
    try {
      capabilities.resolve("chat-compleiton");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).path).toBe("");
      expect((error as ConfigError).message).toContain('"chat-completion"');
    }
    expect(() => capabilities.resolve("generation.chat-completion")).toThrow(ConfigError);
    expect(() => capabilities.resolve("understanding.text-generation")).toThrow(ConfigError);
    expect(() => capabilities.resolve("")).toThrow(ConfigError);
    expect(() => capabilities.resolve("gpt-4o")).toThrow(/unknown capability "gpt-4o"/);
    // The nearest name comes first, before names that merely contain what was typed.
    expect(() => capabilities.resolve("embedding")).toThrow(/did you mean "embeddings", /);
  });

  it("searches node names, leaves and inner nodes, sorted (the FAQ's example)", () => {
    const matches = capabilities.search("text");
    for (const name of ["text-embeddings", "text-generation", "text-to-image", "text-to-speech"]) expect(matches).toContain(name);
    expect(matches).toEqual([...matches].sort());
    expect(matches.every((name) => name.includes("text"))).toBe(true);
    expect(capabilities.search("TEXT")).toEqual(matches);
    expect(capabilities.search("no-such-thing")).toEqual([]);
    expect(capabilities.search("embed")).toEqual(["code-embeddings", "embeddings", "image-embeddings", "multimodal-embeddings", "text-embeddings"]);
  });

  it("returns a fresh copy of the tree each time", () => {
    const first = capabilities.tree();
    first.children.length = 0;
    first.name = "changed";
    const second = capabilities.tree();
    expect(second.children).toHaveLength(7);
    expect(second.name).toBe("capabilities");
    expect(capabilities.resolve("chat-completion")).toBe("generation.text-generation.chat-completion");
  });

  it("knows which values are capabilities", () => {
    expect(capabilities.isKnown("chat-completion")).toBe(true);
    expect(capabilities.isKnown("generation.text-generation")).toBe(true);
    expect(capabilities.isKnown("gpt-4o-mini")).toBe(false);
    expect(capabilities.isKnown("chat-fast")).toBe(false);
    expect(capabilities.isKnown("")).toBe(false);
  });

  it("lists the leaves under a node", () => {
    expect(capabilities.leavesUnder("text-generation")).toEqual([
      "generation.text-generation.chat-completion",
      "generation.text-generation.text-completion",
      "generation.text-generation.code-generation",
    ]);
    expect(capabilities.leavesUnder("reranking")).toEqual(["retrieval.reranking"]);
  });

  it("decides whether a model's capability covers a pool's", () => {
    expect(capabilityCovers("generation.text-generation.chat-completion", "generation.text-generation.chat-completion")).toBe(true);
    expect(capabilityCovers("chat-completion", "generation.text-generation.chat-completion")).toBe(true);
    expect(capabilityCovers("text-generation", "generation.text-generation.code-generation")).toBe(true);
    expect(capabilityCovers("generation", "chat-completion")).toBe(true);
    expect(capabilityCovers("chat-completion", "generation.text-generation")).toBe(false);
    expect(capabilityCovers("text-embeddings", "generation.text-generation.chat-completion")).toBe(false);
    // A prefix of a name is not a parent: "generation.text" must not cover "generation.text-generation".
    expect(capabilityCovers("corp.text", "corp.text-generation")).toBe(false);
    expect(capabilityCovers("corp.custom", "corp.custom.thing")).toBe(true);
    expect(capabilityCovers("", "chat-completion")).toBe(false);
  });
});
