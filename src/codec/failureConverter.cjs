// Loaded by path into the workflow bundle, the worker and the client: failure messages and stacks travel as encoded attributes.
// CommonJS on purpose: the SDK require()s this path, which must work under plain Node 20 (no TypeScript loader) too.
'use strict';
const { DefaultFailureConverter } = require('@temporalio/common');

// An error message can quote personal data (a mail server's refusal names the address), and Temporal stores failure
// messages in clear unless they go into the encoded attributes, which the payload codec encrypts.
exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
