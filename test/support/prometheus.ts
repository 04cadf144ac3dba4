// Reads values out of Prometheus text exposition, for tests that scrape a /metrics page.

/** The value of one exact series, e.g. `checkout_webhooks_total{provider="sandbox",outcome="queued"}`; undefined when absent. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/**
 * The sum of every series of `name` whose labels include each of `labels` (exact `key="value"` pairs), for a
 * server that adds labels of its own, so the exact series cannot be named. 0 when none matches.
 */
export function sumSamples(text: string, name: string, labels: Record<string, string>): number {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`))
    .filter((line) => {
      const inside = line.slice(name.length + 1, line.lastIndexOf('}'));
      const have = new Set(inside.split(/,(?=[A-Za-z_][A-Za-z0-9_]*=")/));
      return pairs.every((pair) => have.has(pair));
    })
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
