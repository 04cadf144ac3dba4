// A small SVG of a bench report: checkout and webhook latencies (log scale) and fulfilment against the no-op ceiling.
import type { BenchReport } from './report.js';

interface Bar {
  label: string;
  value: number | null;
  colour: string;
}
interface Group {
  label: string;
  bars: Bar[];
}

const W = 300;
const H = 260;
const TOP = 40;
const BOTTOM = 40;
const LEFT = 44;
const COLOURS = { p50: '#9ecae1', p99: '#3182bd', product: '#3182bd', inline: '#e6550d', noop: '#31a354' };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (v >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10));

/** One panel of grouped bars; `log` plots on log10 from 1 so 5 ms and 5 s both show. A missing value is drawn as "n/a". */
function panel(x0: number, title: string, unit: string, groups: Group[], log: boolean): string {
  const values = groups.flatMap((g) => g.bars.map((b) => b.value ?? 0));
  const max = Math.max(1, ...values);
  const plotH = H - TOP - BOTTOM;
  const scale = (v: number) => (log ? Math.log10(Math.max(1, v)) / Math.log10(max * 1.5) : v / (max * 1.1)) * plotH;
  const groupW = (W - LEFT - 10) / Math.max(1, groups.length);
  const parts = [`<text x="${x0 + LEFT}" y="20"><tspan font-weight="bold">${esc(title)}</tspan><tspan font-size="10"> ${esc(unit)}${log ? ', log scale' : ''}</tspan></text>`];
  parts.push(`<line x1="${x0 + LEFT}" y1="${H - BOTTOM}" x2="${x0 + W - 10}" y2="${H - BOTTOM}" stroke="#333"/>`);
  // Log panels get a line per power of ten, so bar heights can be read.
  for (let tick = 10; log && tick <= max * 1.5; tick *= 10) {
    const y = (H - BOTTOM - scale(tick)).toFixed(1);
    parts.push(`<line x1="${x0 + LEFT}" y1="${y}" x2="${x0 + W - 10}" y2="${y}" stroke="#ddd"/><text x="${x0 + LEFT - 4}" y="${y}" font-size="9" text-anchor="end">${tick}</text>`);
  }
  groups.forEach((g, gi) => {
    const barW = (groupW - 8) / g.bars.length;
    const gx = x0 + LEFT + gi * groupW + 4;
    g.bars.forEach((b, bi) => {
      const x = gx + bi * barW;
      const h = b.value == null ? 0 : Math.max(1, scale(b.value));
      const y = H - BOTTOM - h;
      parts.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${b.colour}"><title>${esc(`${g.label} ${b.label}: ${b.value ?? 'n/a'} ${unit}`)}</title></rect>`);
      parts.push(`<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y - 3).toFixed(1)}" font-size="9" text-anchor="middle">${b.value == null ? 'n/a' : fmt(b.value)}</text>`);
    });
    parts.push(`<text x="${(gx + groupW / 2 - 4).toFixed(1)}" y="${H - BOTTOM + 14}" font-size="10" text-anchor="middle">${esc(g.label)}</text>`);
  });
  const legend = groups[0]?.bars ?? [];
  legend.forEach((b, i) => {
    parts.push(`<rect x="${x0 + LEFT + i * 80}" y="${H - 14}" width="10" height="10" fill="${b.colour}"/><text x="${x0 + LEFT + 14 + i * 80}" y="${H - 5}" font-size="10">${esc(b.label)}</text>`);
  });
  return parts.join('\n');
}

export function renderChart(r: BenchReport): string {
  const checkout: Group[] = r.checkout.map((c) => ({
    label: `${c.ratePerSecond}/s`,
    bars: [
      { label: 'p50', value: c.p50Ms, colour: COLOURS.p50 },
      { label: 'p99', value: c.p99Ms, colour: COLOURS.p99 },
    ],
  }));
  const webhooks: Group[] = r.webhooks.map((w) => ({
    label: `${w.ratePerSecond}/s`,
    bars: [
      { label: 'product p99', value: w.product.ack.p99Ms, colour: COLOURS.product },
      { label: 'inline p99', value: w.inline.ack.p99Ms, colour: COLOURS.inline },
    ],
  }));
  const fulfilment: Group[] = [
    {
      label: 'at saturation',
      bars: [
        { label: 'product', value: r.fulfilment.product.perSecond, colour: COLOURS.product },
        { label: 'no-op ceiling', value: r.fulfilment.noop.perSecond, colour: COLOURS.noop },
      ],
    },
  ];
  const width = W * 3;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H + 24}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(0, 'Checkout latency', 'ms', checkout, true),
    panel(W, 'Webhook ack p99', 'ms', webhooks, true),
    panel(2 * W, 'Fulfilled orders/s', 'orders/s', fulfilment, false),
    `<text x="8" y="${H + 18}" font-size="10" fill="#555">${esc(`${r.startedAt} · profile ${r.profile} · ${r.machine.cpus} cores, load ${r.machine.loadAverage1m.atStart}→${r.machine.loadAverage1m.atEnd} · open-loop, latency from the scheduled send time`)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
