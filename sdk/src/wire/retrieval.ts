// Request and response shapes of the retrieval operations, which OpenAI's API does not have: rerank, web search and
// scrape. They follow what the services share (Cohere's and Jina's rerank, Tavily's and Serper's search results,
// Firecrawl's and Jina Reader's markdown), in OpenAI's style (snake_case, an `object` tag, `model` echoed).

/** `client.rerank.create()`: order `documents` by relevance to `query`. */
export interface RerankCreateParams {
  model: string;
  query: string;
  documents: string[];
  /** Keep the best N (all when absent). */
  top_n?: number;
  /** Echo each document's text in the results. */
  return_documents?: boolean;
}

export interface RerankResult {
  /** Position in the request's `documents`. */
  index: number;
  relevance_score: number;
  document?: { text: string };
}

export interface RerankResponse {
  object: "list";
  model: string;
  /** Most relevant first. */
  results: RerankResult[];
  usage?: { total_tokens?: number; search_units?: number };
}

/** `client.search.create()`: a web search. */
export interface SearchCreateParams {
  model: string;
  query: string;
  max_results?: number;
  /** Ask services that can for a short answer written from the results (Tavily). */
  include_answer?: boolean;
}

export interface SearchResult {
  title: string;
  url: string;
  /** The snippet or extracted text the service returned. */
  content: string;
  score?: number;
  published_date?: string;
}

export interface SearchResponse {
  object: "search.results";
  model: string;
  query: string;
  results: SearchResult[];
  answer?: string;
}

/** `client.scrape.create()`: one page as markdown. */
export interface ScrapeCreateParams {
  model: string;
  url: string;
}

export interface ScrapeResponse {
  object: "scrape.result";
  model: string;
  url: string;
  title?: string;
  markdown: string;
  metadata?: Record<string, unknown>;
}
