// The alert rules and the Grafana dashboard (promtool is not available): well-formed, and every metric they name exists.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../src/observability/metrics.js';

const ROOT = new URL('../../', import.meta.url);
const read = (path: string) => readFile(new URL(path, ROOT), 'utf8');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Series the app exposes: every registered metric, and a histogram's _bucket/_count/_sum. */
async function exposedNames(): Promise<Set<string>> {
  const metrics = await createMetrics({ countHeldOrders: async () => 0, undeliveredWebhooks: async () => ({ count: 0, oldestAgeSeconds: 0 }) }).registry.getMetricsAsJSON();
  return new Set(metrics.flatMap((m) => (String(m.type) === 'histogram' ? [`${m.name}_bucket`, `${m.name}_count`, `${m.name}_sum`] : [m.name])));
}

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, label names or strings. */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""').replace(/\{[^}]*\}/g, '{}').replace(/\[[^\]]*\]/g, '[]');
  const withoutGroupings = withoutStrings.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const keywords = new Set(['and', 'or', 'unless', 'offset', 'bool']);
  return [...withoutGroupings.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)]
    .filter((m) => !keywords.has(m[0]) && !/^\s*\(/.test(withoutGroupings.slice(m.index + m[0].length)))
    .map((m) => m[0]);
}

function balanced(expr: string): boolean {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: string[] = [];
  for (const ch of expr.replace(/"[^"]*"/g, '""')) {
    if ('([{'.includes(ch)) stack.push(ch);
    else if (ch in pairs && stack.pop() !== pairs[ch]) return false;
  }
  return stack.length === 0;
}

describe('deploy/prometheus/alerts.yml', () => {
  it('holds the alerts a shop needs, each well-formed and about metrics the app exposes', async () => {
    const file = parse(await read('deploy/prometheus/alerts.yml')) as { groups: { name: string; rules: Rule[] }[] };
    const rules = file.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(expect.arrayContaining(['OrdersHeld', 'WebhookSignatureFailures', 'EmailsFailing', 'NoOrdersFulfilled', 'WebhooksUndelivered']));
    const exposed = await exposedNames();
    for (const rule of rules) {
      expect(balanced(rule.expr), rule.alert).toBe(true);
      expect(rule.labels?.severity, rule.alert).toMatch(/^(page|warn)$/);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      if (rule.for) expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      // `up` is Prometheus's own, per scrape target.
      for (const name of metricNames(rule.expr).filter((n) => n !== 'up')) expect(exposed, `${rule.alert}: ${name}`).toContain(name);
    }
    const held = rules.find((r) => r.alert === 'OrdersHeld')!;
    expect(held.expr).toContain('checkout_held_orders');
    expect(held.for).toBe('15m');
  });

  it('is checked by a name check that catches a metric the app does not expose', async () => {
    const exposed = await exposedNames();
    expect(metricNames('sum by (provider) (increase(checkout_webhook_total{outcome="refused"}[10m])) > 5')).toEqual(['checkout_webhook_total']);
    expect(exposed.has('checkout_webhook_total')).toBe(false);
    expect(balanced('sum(rate(x[5m])')).toBe(false);
  });
});

describe('deploy/grafana/dashboards/checkout.json', () => {
  it('shows orders per status, webhook outcomes, checkout latency and HELD count from exposed metrics', async () => {
    const dashboard = JSON.parse(await read('deploy/grafana/dashboards/checkout.json')) as { uid: string; panels: { title: string; targets: { expr: string }[] }[] };
    expect(dashboard.uid).toBe('durable-checkout');
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    for (const wanted of ['checkout_order_status_total', 'checkout_webhooks_total', 'checkout_to_fulfilled_seconds_bucket', 'checkout_held_orders']) {
      expect(exprs.some((e) => e.includes(wanted)), wanted).toBe(true);
    }
    const exposed = await exposedNames();
    for (const expr of exprs) {
      expect(balanced(expr), expr).toBe(true);
      for (const name of metricNames(expr)) expect(exposed, expr).toContain(name);
    }
  });
});
