// argon2 runs under a concurrency cap with a short queue; past it, login answers 503 at once instead of piling up work.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { argon2Load, PasswordHashingBusy, withArgon2Slot } from '../../src/auth/passwords.js';
import { fakeApiDeps, fakeSql } from '../support/fakeDeps.js';

/** Fills every slot and the whole queue with work that waits for `release`. */
function saturate() {
  const { concurrency, queueMax } = argon2Load();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const held = Array.from({ length: concurrency + queueMax }, () => withArgon2Slot(() => gate));
  return { held, release: async () => (release(), await Promise.all(held)) };
}

let open: ReturnType<typeof saturate> | undefined;
afterEach(async () => {
  await open?.release();
  open = undefined;
});

describe('the argon2 cap', () => {
  it('runs at most one hash per core, queues a few more, and refuses the rest', async () => {
    open = saturate();
    const load = argon2Load();
    expect(load.running).toBe(load.concurrency);
    expect(load.waiting).toBe(load.queueMax);
    await expect(withArgon2Slot(async () => 'never')).rejects.toBeInstanceOf(PasswordHashingBusy);
    await open.release();
    open = undefined;
    expect(argon2Load()).toMatchObject({ running: 0, waiting: 0 });
  });

  it('hands a freed slot to the longest waiter', async () => {
    const { concurrency } = argon2Load();
    const order: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const all = Array.from({ length: concurrency + 3 }, (_, i) => withArgon2Slot(async () => (i < concurrency ? gate : undefined)).then(() => order.push(i)));
    release();
    await Promise.all(all);
    expect(order.slice(concurrency)).toEqual([concurrency, concurrency + 1, concurrency + 2]);
  });

  it('a login that finds the cap full is 503 busy with Retry-After, not a wait', async () => {
    open = saturate();
    // Rate-limit counter (insert, cleanup), no such account, no failures recorded.
    const app = createApp(fakeApiDeps({ sql: fakeSql([[], [], [], []], []) }));
    const res = await app.request('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ala@example.com', password: 'whatever-it-is' }) });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as any).error.code).toBe('busy');
  });
});
