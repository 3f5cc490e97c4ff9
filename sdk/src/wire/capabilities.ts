import { ConfigError } from "./error-base.js";

/**
 * The capability tree: what a model can do, as dotted paths (`generation.text-generation.chat-completion`).
 * Providers tag models with full paths; pools target any node; people may write any node's name alone,
 * because every name in the tree is unique and therefore an alias for its path.
 */

/**
 * One node of the capability tree. Leaves have no children.
 * @example
 * const generation: CapabilityNode = capabilities.tree().children[0]!; // { name: "generation", path: "generation", children: [...] }
 */
export interface CapabilityNode {
  /** The node's own name, unique in the whole tree, e.g. `chat-completion`. */
  name: string;
  /** Full dotted path from a root, e.g. `generation.text-generation.chat-completion`; `""` for the tree's top. */
  path: string;
  children: CapabilityNode[];
}

// The single source of truth. Nested objects are inner nodes, empty objects are leaves; insertion
// order is tree order, which listAll() and the docs follow.
type Branch = { readonly [name: string]: Branch };
const leaf: Branch = {};

const TREE: Branch = {
  generation: {
    "text-generation": { "chat-completion": leaf, "text-completion": leaf, "code-generation": leaf },
    "image-generation": { "text-to-image": leaf, "image-editing": leaf, "image-variation": leaf },
    "audio-generation": { "text-to-speech": leaf, "music-generation": leaf, "sound-generation": leaf },
    "video-generation": { "text-to-video": leaf, "image-to-video": leaf },
  },
  understanding: {
    "text-understanding": { classification: leaf, "sentiment-analysis": leaf, "entity-extraction": leaf, "question-answering": leaf },
    "image-understanding": { vision: leaf, ocr: leaf, "object-detection": leaf },
    "audio-understanding": { "speech-to-text": leaf, "audio-classification": leaf, "speaker-diarization": leaf },
    "video-understanding": { "video-analysis": leaf },
    "document-understanding": { "document-parsing": leaf, "table-extraction": leaf },
  },
  transformation: {
    "text-transformation": { translation: leaf, summarization: leaf, paraphrasing: leaf, "grammar-correction": leaf },
    "audio-transformation": { "speech-translation": leaf, "voice-conversion": leaf },
    "image-transformation": { "image-upscaling": leaf, "background-removal": leaf },
  },
  representation: {
    embeddings: { "text-embeddings": leaf, "image-embeddings": leaf, "multimodal-embeddings": leaf, "code-embeddings": leaf },
    tokenization: leaf,
  },
  retrieval: {
    search: { "web-search": leaf, "news-search": leaf, "semantic-search": leaf },
    reranking: leaf,
    "content-extraction": { "web-scraping": leaf, "document-reading": leaf },
  },
  interaction: {
    "tool-use": { "function-calling": leaf, "code-execution": leaf, "computer-use": leaf },
    realtime: { "realtime-voice": leaf, "live-transcription": leaf },
    agents: { "deep-research": leaf },
  },
  evaluation: {
    safety: { moderation: leaf, "pii-detection": leaf, "jailbreak-detection": leaf },
    "quality-assessment": { "relevance-scoring": leaf, "fact-checking": leaf, "response-grading": leaf },
  },
};

interface Index {
  /** name → full path, for every node. */
  pathByName: Map<string, string>;
  /** every full path, inner nodes included. */
  paths: Set<string>;
  /** leaf names in tree order. */
  leafNames: string[];
  /** leaf paths in tree order. */
  leafPaths: string[];
  root: CapabilityNode;
}

let cachedIndex: Index | undefined;

// Built on first use rather than at import, so importing the module costs nothing (sideEffects: false).
function index(): Index {
  if (cachedIndex) return cachedIndex;
  const pathByName = new Map<string, string>();
  const paths = new Set<string>();
  const leafNames: string[] = [];
  const leafPaths: string[] = [];
  const build = (name: string, path: string, branch: Branch): CapabilityNode => {
    if (pathByName.has(name)) throw new Error(`capability tree: the name "${name}" is used twice`);
    pathByName.set(name, path);
    paths.add(path);
    const childNames = Object.keys(branch);
    if (childNames.length === 0) {
      leafNames.push(name);
      leafPaths.push(path);
    }
    return { name, path, children: childNames.map((child) => build(child, `${path}.${child}`, branch[child] ?? leaf)) };
  };
  const root: CapabilityNode = { name: "capabilities", path: "", children: Object.keys(TREE).map((name) => build(name, name, TREE[name] ?? leaf)) };
  cachedIndex = { pathByName, paths, leafNames, leafPaths, root };
  return cachedIndex;
}

// People write "Chat_Completion" in YAML and "chat completion" in prose; all mean the same node.
function normalize(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, "-");
}

function tryResolve(aliasOrPath: string): string | undefined {
  const value = normalize(aliasOrPath);
  if (value === "") return undefined;
  const { pathByName, paths } = index();
  if (paths.has(value)) return value;
  const byName = pathByName.get(value);
  if (byName !== undefined) return byName;
  // A partial path such as "text-generation.chat-completion" is accepted when it is a tail of the real one.
  const lastName = value.slice(value.lastIndexOf(".") + 1);
  const candidate = pathByName.get(lastName);
  if (candidate !== undefined && candidate.endsWith(`.${value}`)) return candidate;
  return undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, column) => column);
  for (let row = 1; row <= a.length; row++) {
    const current = [row];
    for (let column = 1; column <= b.length; column++) {
      const substitution = (previous[column - 1] ?? 0) + (a[row - 1] === b[column - 1] ? 0 : 1);
      current.push(Math.min((previous[column] ?? 0) + 1, (current[column - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Up to five node names that look like what was typed (typos, or fragments of a name). */
function closeMatches(value: string): string[] {
  const typed = normalize(value);
  const lastName = typed.slice(typed.lastIndexOf(".") + 1);
  const names = [...index().pathByName.keys()];
  const scored = names
    .map((name) => {
      const distance = editDistance(lastName, name);
      const related = lastName.length >= 3 && (name.includes(lastName) || lastName.includes(name));
      return { name, distance, score: related ? Math.min(distance, 1) : distance };
    })
    .filter(({ name, score }) => score <= Math.max(2, Math.floor(name.length / 3)))
    .sort((a, b) => a.score - b.score || a.distance - b.distance || a.name.localeCompare(b.name));
  return scored.slice(0, 5).map(({ name }) => name);
}

/**
 * Full dotted path for a leaf alias, an inner node's name, a full path or a tail of one.
 * Throws `ConfigError` (with close matches in its message) when the value names no capability.
 * @example
 * resolveCapability("chat-completion") // "generation.text-generation.chat-completion"
 * resolveCapability("embeddings")      // "representation.embeddings"
 */
export function resolveCapability(aliasOrPath: string): string {
  const resolved = tryResolve(aliasOrPath);
  if (resolved !== undefined) return resolved;
  const suggestions = closeMatches(aliasOrPath);
  const hint = suggestions.length > 0 ? `; did you mean ${suggestions.map((name) => `"${name}"`).join(", ")}?` : "";
  throw new ConfigError("", `unknown capability "${aliasOrPath}"${hint} (capabilities.listAll() lists every leaf)`);
}

/**
 * True when a model tagged `modelCapability` can serve a pool targeting `poolCapability`: the model's
 * path equals the pool's or lies beneath it. Both sides may be aliases; values outside the tree
 * (a custom provider's own tags) are compared as written.
 * @example
 * capabilityCovers("text-generation", "generation.text-generation.chat-completion") // true
 * capabilityCovers("chat-completion", "generation.text-generation")                 // false
 */
export function capabilityCovers(poolCapability: string, modelCapability: string): boolean {
  const pool = tryResolve(poolCapability) ?? poolCapability.trim();
  const model = tryResolve(modelCapability) ?? modelCapability.trim();
  if (pool === "" || model === "") return false;
  return model === pool || model.startsWith(`${pool}.`);
}

function copyNode(node: CapabilityNode): CapabilityNode {
  return { name: node.name, path: node.path, children: node.children.map(copyNode) };
}

function findNode(path: string): CapabilityNode | undefined {
  let node: CapabilityNode | undefined = index().root;
  for (const name of path.split(".")) {
    node = node?.children.find((child) => child.name === name);
  }
  return node;
}

/**
 * The capability catalogue: list, resolve and search the tree.
 * @example
 * import { capabilities } from "modelmesh";
 * capabilities.listAll();                    // ["chat-completion", "text-completion", "code-generation", ...]
 * capabilities.resolve("chat-completion");   // "generation.text-generation.chat-completion"
 * capabilities.search("text");               // ["speech-to-text", "text-completion", "text-embeddings", ...]
 * capabilities.tree().children.map((root) => root.name); // ["generation", "understanding", ...]
 */
export const capabilities = {
  /** Every leaf's alias, in tree order. */
  listAll(): string[] {
    return [...index().leafNames];
  },
  /** Every leaf's full path, in tree order. */
  listPaths(): string[] {
    return [...index().leafPaths];
  },
  /** Full path for an alias, inner node name or path; throws `ConfigError` when unknown. */
  resolve(aliasOrPath: string): string {
    return resolveCapability(aliasOrPath);
  },
  /** Names of nodes (leaves and inner nodes) containing `text`, case-insensitively, sorted. */
  search(text: string): string[] {
    const needle = normalize(text);
    return [...index().pathByName.keys()].filter((name) => name.includes(needle)).sort();
  },
  /** A fresh copy of the whole tree; its top node (`path: ""`) holds the seven roots. */
  tree(): CapabilityNode {
    return copyNode(index().root);
  },
  /** True when the value is a known alias, inner node name or path. */
  isKnown(value: string): boolean {
    return typeof value === "string" && tryResolve(value) !== undefined;
  },
  /** Full paths of the leaves at or beneath a node, in tree order; throws `ConfigError` when unknown. */
  leavesUnder(aliasOrPath: string): string[] {
    const path = resolveCapability(aliasOrPath);
    return index().leafPaths.filter((leafPath) => leafPath === path || leafPath.startsWith(`${path}.`));
  },
  /** True when the value names a leaf (a concrete thing a model does), not a grouping node. */
  isLeaf(aliasOrPath: string): boolean {
    const path = tryResolve(aliasOrPath);
    return path !== undefined && (findNode(path)?.children.length ?? 1) === 0;
  },
};
