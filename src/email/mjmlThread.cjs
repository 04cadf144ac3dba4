// The worker thread src/email/mjml.ts starts: compiles MJML sources it is sent, one message per source, in order.
// CommonJS on purpose: a thread loads this file by path, with no TypeScript loader, under tsx, vitest and dist alike.
'use strict';
const { parentPort } = require('node:worker_threads');
const mjml2html = require('mjml');

parentPort.on('message', async ({ id, source }) => {
  try {
    const { html, errors } = await mjml2html(source, { validationLevel: 'strict' });
    parentPort.postMessage({ id, html, errors: errors.map((e) => e.formattedMessage) });
  } catch (err) {
    parentPort.postMessage({ id, failure: err instanceof Error ? err.message : String(err) });
  }
});
