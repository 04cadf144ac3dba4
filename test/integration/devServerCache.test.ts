// The Temporal dev server the product runs on keeps its search attributes cached instead of re-reading them per call.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { checkout, eventually, packageId, startHarness, uniqueEmail, type Harness } from '../support/harness.js';
import { sumSamples } from '../support/prometheus.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

/** The server's persistence calls of two kinds, summed over its services, from one scrape (so from one flush). */
async function persistenceCalls(): Promise<{ created: number; metadataReads: number }> {
  const text = await (await fetch(inject('temporalMetricsUrl'))).text();
  return {
    created: sumSamples(text, 'persistence_requests', { operation: 'CreateWorkflowExecution' }),
    metadataReads: sumSamples(text, 'persistence_requests', { operation: 'GetCurrentClusterMetadata' }),
  };
}

describe('the dev server under checkout load', () => {
  it('reads its search attributes from its store less often than it starts workflows', async () => {
    // With the CLI's default (a refresh on every read), a checkout reads the cluster metadata about ten times (its
    // start, its upsert, their visibility writes); with the cache, each service reads it once a minute at most.
    const before = await persistenceCalls();
    const starts = 8;
    const chatbot = await packageId(h.sql, 'chatbot-rag');
    for (let i = 0; i < starts; i += 1) {
      const res = await checkout(h, { packageIds: [chatbot], email: uniqueEmail('cached') });
      expect(res.status).toBe(201);
    }
    // The server publishes its counters about once a second: wait for a scrape that has these starts in it. Both
    // counts come from that scrape, and other files' runs only add starts that read the store just the same.
    const after = await eventually(persistenceCalls, (n) => n.created - before.created >= starts, 'the checkouts counted as workflow starts');
    expect(after.metadataReads - before.metadataReads).toBeLessThan(after.created - before.created);
  });
});
