export { formatSseEvent, formatSseComment, SSE_DONE } from "../wire/sse.js";
