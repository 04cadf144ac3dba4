// postinstall: fixes a postgres.js 3.4.9 bug that crashes the process when PostgreSQL goes away inside a transaction.
//
// Upstream: porsager/postgres#1066, #1154, #1208 (open; unfixed in the newest release, 3.4.9). In src/connection.js a
// small write is flushed from a setImmediate; a write after the socket closed (the ROLLBACK of a transaction whose
// connection died) throws "Cannot read properties of null (reading 'write')" outside any promise. The guard rejects
// that write's queries with CONNECTION_CLOSED instead, and teardown clears the flush handle it used to leave set (a
// connection left so never flushed again). Found by `npm run chaos` (a worker crashed when PostgreSQL stopped);
// test/integration/connectionLoss.test.ts fails without this. Plain text edits, idempotent, checked against the
// installed version; delete this file once upstream ships the fix.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';

const MARK = '/* durable-checkout: closed-socket write fix */';
const PATCHED_VERSION = '3.4.9';
const EDITS = [
  [
    '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
    `  function nextWrite(fn) {\n    if (!socket) { ${MARK}\n      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n    const x = socket.write(chunk, fn)`,
  ],
  // Both teardown paths: drop the handle and the bytes meant for the dead socket, so the next connection starts clean.
  ['    clearImmediate(nextWriteTimer)\n    if (socket) {', '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    if (socket) {'],
  ['    clearImmediate(nextWriteTimer)\n    socket.removeListener', '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    socket.removeListener'],
];

const require = createRequire(import.meta.url);
let root;
try {
  // Its exports map hides package.json: start from the entry point and climb to the package's folder.
  root = dirname(require.resolve('postgres'));
  const isPackageRoot = (dir) => existsSync(join(dir, 'package.json')) && JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === 'postgres';
  while (!isPackageRoot(root)) {
    if (root === dirname(root)) process.exit(0);
    root = dirname(root);
  }
} catch {
  process.exit(0); // Not installed (a partial install): nothing to patch.
}
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
if (version !== PATCHED_VERSION) {
  process.stderr.write(`patchDependencies: postgres ${version} installed; the fix was written for ${PATCHED_VERSION}. Check whether upstream fixed #1208 and drop or update scripts/patchDependencies.js.\n`);
  process.exit(0);
}
for (const file of ['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js']) {
  const path = join(root, file);
  let text = readFileSync(path, 'utf8');
  if (text.includes(MARK)) continue;
  for (const [from, to] of EDITS) {
    if (!text.includes(from)) throw new Error(`patchDependencies: ${path} does not contain the expected code; cannot apply the postgres.js fix.`);
    text = text.replace(from, to);
  }
  writeFileSync(path, text);
}
