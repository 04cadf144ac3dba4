// The bench's host-speed figures: /proc/stat's steal read right, the notes a slowed or stolen-from host earns, a real measurement.
import { describe, expect, it } from 'vitest';
import { hostNotes, parseCpuLine, startHostSpeed } from '../../bench/hostSpeed.js';

describe('host speed', () => {
  it("reads steal and the total from /proc/stat's aggregate cpu line, not a per-core one or the guest columns", () => {
    const stat = 'cpu  2942314 2767 437809 1874445 24064 0 41831 56382 900 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 1 2\n';
    expect(parseCpuLine(stat)).toEqual({ steal: 56382, total: 2942314 + 2767 + 437809 + 1874445 + 24064 + 0 + 41831 + 56382 });
    expect(() => parseCpuLine('cpu0 1 2 3 4 5 6 7 8\n')).toThrow(/no aggregate cpu line/);
    expect(() => parseCpuLine('cpu  1 2 3\n')).toThrow(/unexpected/);
  });

  it('notes a host whose speed changed by more than a fifth during the run, or that lost 5% of its time to steal', () => {
    const steady = { atStart: 230, atEnd: 229 };
    expect(hostNotes({ workloadMs: { compute: { atStart: 250, atEnd: 290 }, memory: steady }, stealPercent: 4.9 })).toEqual([]);
    expect(hostNotes({ workloadMs: { compute: { atStart: 250, atEnd: 320 }, memory: steady }, stealPercent: null })).toEqual([
      expect.stringContaining('compute workload 250 ms before, 320 ms after'),
    ]);
    expect(hostNotes({ workloadMs: { compute: { atStart: 150, atEnd: 150 }, memory: { atStart: 320, atEnd: 250 } }, stealPercent: 5 })).toEqual([
      expect.stringContaining('memory workload 320 ms before, 250 ms after'),
      expect.stringContaining('took 5% of the CPU time'),
    ]);
  });

  it('times the fixed workload before and after, and reads steal over the span on Linux', async () => {
    const measuring = await startHostSpeed();
    const h = await measuring.finish();
    for (const t of [h.workloadMs.compute, h.workloadMs.memory]) {
      expect(t.atStart).toBeGreaterThan(0);
      expect(t.atEnd).toBeGreaterThan(0);
    }
    expect(h.stealPercent).toBeGreaterThanOrEqual(0);
    expect(h.stealPercent).toBeLessThanOrEqual(100);
  });
});
