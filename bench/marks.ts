/**
 * Marks placed in a copy of a built bundle, for the tools that time the proxy's steps (`time-marks.ts`,
 * `time-marks-ab.ts`): a mark is a call inserted before (or after) an exact line of the bundle, found by its text.
 */

/** A step's start: the line(s) of the bundle it precedes (or follows, with `after`), and its name. */
export interface Mark {
  name: string;
  anchor: string;
  after?: boolean;
}

/**
 * The bundle's lines with `call(index)` inserted at each mark. A mark whose lines are not in the bundle exactly once
 * stops the tool with its name (`tool` says which file holds the anchor), rather than measure something else.
 * @example
 * const lines = placeMarks(readFileSync("cors-proxy/dist/cli.js", "utf8"), MARKS, (index) => `__mark(${index});`, "bench/time-marks.ts");
 */
export function placeMarks(bundle: string, marks: Mark[], call: (index: number) => string, tool: string): string[] {
  const lines = bundle.split("\n");
  // Where each mark goes, found in the bundle as built (line by line: a mark is a line of its own).
  const places = marks.map((mark, index) => {
    const wanted = mark.anchor.split("\n");
    const starts = lines.flatMap((_, at) => (wanted.every((part, offset) => lines[at + offset]?.includes(part.trim())) ? [at] : []));
    if (starts.length !== 1) throw new Error(`the line for "${mark.name}" is in the bundle ${starts.length} times, not once; update its anchor in ${tool}`);
    return { at: mark.after ? starts[0]! + wanted.length : starts[0]!, call: call(index) };
  });
  // From the end, so earlier line numbers stay right.
  for (const spot of [...places].sort((a, b) => b.at - a.at)) lines.splice(spot.at, 0, spot.call);
  return lines;
}

/**
 * Lines of the built CLI that both tools mark, in one place: when the source changes so that one is no longer in the
 * bundle, both tools stop and name it, and it is updated here once.
 */
export const ANCHORS = {
  requestEvent: '    if (!incoming.url?.startsWith("/")) return simpleError(outgoing, 400, "request target must be a path");',
  upstreamDispatch: "      dispatcher.dispatch({ origin: url.origin, path: url.path, method, headers, body: bytes }, handler);",
  answerHeaders: "          raw = rawHeaders;\n          resumeBody = resume;",
  answerBytes: "          if (ignoreBody) return true;\n          if (direct) return direct.push(chunk);",
  answerComplete: "          complete = true;\n          if (ignoreBody) return;",
  fetchResolved: "    transfer.headersReceived(response);",
  eventsRead: "              events = read;\n              parsed = 0;",
  chunkHandedOn: "                if (batch) batch.push(out);\n                else yield out;",
  pieceTaken: "    for (let piece = await source.next(); piece !== void 0; piece = await source.next()) {",
  handler: "    const started = now();\n    metrics.started();",
  route: "  const body = await readJson(request, context.maxBodyBytes);\n  if (body.stream === true) {",
  bodyParsed: "  if (body.stream === true) {\n    const stream = await client.chat.completions.create(",
  routerJson: "this.route(operation, target, body, features, options, options.signal);\n    this.emitRequestStart(",
  nodeFetch: "    const body = init.body;\n    const simpleBody =",
  jsonParsed: "    const completion = this._parse(request.model, data, () => {",
  routerDone: "          const latencyMs = this.deps.now() - started;\n          this.recordSuccess(state,",
  replyBuilt: "  const served = servedBy(value);",
  streamIterator: "    return this._result(this._iterate(body, transfer, context, options?.[KEEP_RAW_CHUNKS] === true), response.headers);",
  head: "  outgoing.writeHead(response.status, response.statusText || void 0, headers);",
  firstWrite: "    outgoing.write(piece);\n    outgoing.socket?.uncork();",
  jsonEnd: "    outgoing.end(response.text);",
  streamEnd: "    outgoing.end(rest);",
} as const;
