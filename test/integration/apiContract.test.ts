// The API against its own document: schemathesis fuzzes every operation in /openapi.json on the real app, for a bounded time.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSchemathesis } from '../../scripts/schemathesis.js';
import { ADMIN_TOKEN, checkout, emailsTo, eventually, packageId, postJson, sandboxAction, startHarness, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';
import { ownDatabase } from '../support/ownDatabase.js';

// CI runs a minute; `CONTRACT_FUZZ_SECONDS=600 npx vitest run test/integration/apiContract.test.ts` is the long run.
const SECONDS = Number(process.env.CONTRACT_FUZZ_SECONDS ?? 60);
const CONFIG = fileURLToPath(new URL('../support/schemathesis.toml', import.meta.url));

let h: Harness;
beforeAll(async () => {
  // A database of its own: with the admin token the fuzzer cancels, refunds and resolves whatever orders it can list,
  // and its logins count against 127.0.0.1, so on the shared database it would act on the other files' orders and limits.
  const own = await ownDatabase('contract');
  // Limits high enough that the fuzzer explores login and setup links rather than their 429s (checkout's are high in every harness).
  h = await startHarness({ DATABASE_URL: own, AUTH_RATE_PER_IP: '100000', AUTH_RATE_PER_EMAIL: '100000' });
});
afterAll(async () => h?.close());

/** A real customer (bought, set a password from the welcome email, logged in), so the fuzzer reaches /me too. */
async function customerToken(): Promise<string> {
  const email = uniqueEmail('fuzz');
  const password = 'fuzzing customer password';
  const order = await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email, locale: 'en' });
  await sandboxAction(order.body.paymentUrl, 'pay');
  await waitForStatus(h, order.body.orderId, 'FULFILLED');
  const mails = await eventually(() => emailsTo(h, email), (m) => m.length > 0, 'the welcome email');
  const token = /setup-password\?lang=\w+#token=([\w-]+)/.exec(mails[0]!.text)?.[1];
  expect((await postJson(`${h.baseUrl}/api/v1/auth/password/setup`, { token, password })).status).toBe(200);
  const login = await postJson(`${h.baseUrl}/api/v1/auth/login`, { email, password });
  return login.body.accessToken as string;
}

function schemathesis(command: string[], args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, [...command.slice(1), ...args], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the API matches /openapi.json', () => {
  it(
    `schemathesis finds no server error and no answer outside the document in ${SECONDS} s`,
    async () => {
      const st = await ensureSchemathesis();
      // The config file gives each security scheme its token: admin routes the admin's, /me a customer's.
      const tokens = { ADMIN_TOKEN, CUSTOMER_TOKEN: await customerToken() };
      const reports = await mkdtemp(join(tmpdir(), 'schemathesis-'));
      const { code, output } = await schemathesis(st, [
        '--config-file', CONFIG,
        'run',
        `${h.baseUrl}/openapi.json`,
        '--max-time', String(SECONDS),
        // One worker: with two threads, CPython before 3.13 can fail hypothesis's own parse of a strategy's source
        // (gh-106905: "AST constructor recursion depth mismatch"), and that reads as a failure of the API.
        '--workers', '1',
        // Under the full suite two integration files share two cores and one Temporal dev server; an operator's cancel
        // (an Update that waits for its activities) once took over schemathesis's default 10 s there.
        '--request-timeout', '30',
        '--report', 'junit',
        '--report-junit-path', join(reports, 'junit.xml'),
        // Examples found here stay here: nothing is written into the checkout.
        '--generation-database', 'none',
      ], tokens);
      await writeFile(join(reports, 'output.txt'), output);
      // Its closing "=== N warnings in 60s ===" banner reads like a pytest run that executed nothing, and CI's reader
      // takes it as the suite's closing line: the summary is shown without its banners, each line marked as its own.
      const summary = output.slice(output.indexOf('=== SUMMARY')).split('\n').filter((line) => !/^=+.*=+$/.test(line.trim()));
      console.log(`${summary.map((line) => `schemathesis | ${line}`).join('\n')}\nfull output: ${join(reports, 'output.txt')}`);
      // The run's own record: a run that tested nothing would also exit 0.
      expect(await readFile(join(reports, 'junit.xml'), 'utf8')).toMatch(/<testcase /);
      expect(code, 'schemathesis found failures; see the output above').toBe(0);
    },
    (SECONDS + 180) * 1000,
  );
});
