/**
 * The rerank answer every reranking service gives in nearly the same form (`results[]{index, relevance_score}`), as
 * ModelMesh's `RerankResponse`: most relevant first, `top_n` kept, each document's text echoed when asked.
 */
import type { RerankCreateParams, RerankResponse } from "../wire/retrieval.js";
import { isRecord } from "./provider-config.js";

/**
 * @throws TypeError when there is no results array
 * @example
 * toRerankResponse({ results: [{ index: 1, relevance_score: 0.9 }] }, { model: "rerank-v3.5", query: "q", documents: ["a", "b"] }, undefined);
 */
export function toRerankResponse(data: unknown, request: RerankCreateParams, usage: RerankResponse["usage"]): RerankResponse {
  if (!isRecord(data) || !Array.isArray(data.results)) throw new TypeError("the body has no results array");
  const results = data.results
    .filter(isRecord)
    .map((item) => {
      const index = Number(item.index);
      if (!Number.isInteger(index) || index < 0 || index >= request.documents.length) throw new TypeError(`result index ${String(item.index)} is not one of the documents`);
      return { index, relevance_score: Number(item.relevance_score), ...(request.return_documents ? { document: { text: request.documents[index]! } } : {}) };
    })
    .sort((left, right) => right.relevance_score - left.relevance_score)
    .slice(0, request.top_n ?? Number.POSITIVE_INFINITY);
  return { object: "list", model: request.model, results, ...(usage ? { usage } : {}) };
}
