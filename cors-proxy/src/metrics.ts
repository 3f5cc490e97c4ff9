/**
 * The proxy's own metrics: requests by route and status, and time to response headers by route. Routes are a
 * fixed set of names, never raw paths, so a scanner probing random URLs cannot blow up the series count.
 */

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Everything recorded for one route; found with one Map lookup per request. */
interface RouteRecord {
  byStatus: Map<number, number>;
  counts: number[];
  sum: number;
  count: number;
}

/** Counters and a histogram, rendered in Prometheus' text format. */
export class ProxyMetrics {
  readonly #routes = new Map<string, RouteRecord>();
  #inFlight = 0;

  constructor(private readonly prefix = "modelmesh_proxy") {}

  started(): void {
    this.#inFlight++;
  }

  /** Records a finished request (`seconds` until the response headers were ready). */
  finished(route: string, status: number, seconds: number): void {
    this.#inFlight--;
    let record = this.#routes.get(route);
    if (!record) {
      record = { byStatus: new Map(), counts: new Array<number>(BUCKETS.length).fill(0), sum: 0, count: 0 };
      this.#routes.set(route, record);
    }
    record.byStatus.set(status, (record.byStatus.get(status) ?? 0) + 1);
    let index = 0;
    while (index < BUCKETS.length && seconds > BUCKETS[index]!) index++;
    if (index < BUCKETS.length) record.counts[index]! += 1;
    record.sum += seconds;
    record.count += 1;
  }

  render(): string {
    const requests = `${this.prefix}_requests_total`;
    const duration = `${this.prefix}_request_duration_seconds`;
    const inFlight = `${this.prefix}_requests_in_flight`;
    const lines = [
      `# HELP ${requests} HTTP requests answered by the proxy, by route and status.`,
      `# TYPE ${requests} counter`,
      ...[...this.#routes].flatMap(([route, record]) => [...record.byStatus].map(([status, value]) => `${requests}{route="${route}",status="${status}"} ${value}`)),
      `# HELP ${duration} Seconds until the response headers were ready (a stream's first chunk), by route.`,
      `# TYPE ${duration} histogram`,
    ];
    for (const [route, timing] of this.#routes) {
      let cumulative = 0;
      BUCKETS.forEach((bound, index) => {
        cumulative += timing.counts[index]!;
        lines.push(`${duration}_bucket{route="${route}",le="${bound}"} ${cumulative}`);
      });
      lines.push(`${duration}_bucket{route="${route}",le="+Inf"} ${timing.count}`, `${duration}_sum{route="${route}"} ${timing.sum}`, `${duration}_count{route="${route}"} ${timing.count}`);
    }
    lines.push(`# HELP ${inFlight} Requests being handled now.`, `# TYPE ${inFlight} gauge`, `${inFlight} ${this.#inFlight}`);
    return `${lines.join("\n")}\n`;
  }
}
