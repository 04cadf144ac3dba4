// Makes sure the tools the tests need exist: the Temporal CLI and stripe-mock (built once into the per-user cache)
// Debian's Compose parser and schemathesis (a venv in the same cache); prints their paths.
import { loadToolsConfig } from '../src/config.js';
import { resolveTool, STRIPE_MOCK, TEMPORAL_CLI } from '../src/stack/tools.js';
import { ensureComposeParser } from './composeParser.js';
import { ensureSchemathesis } from './schemathesis.js';

const cfg = loadToolsConfig();
for (const tool of [TEMPORAL_CLI, STRIPE_MOCK]) {
  console.log(`${tool.name}: ${await resolveTool(tool, cfg)}`);
}
console.log(`docker-compose: ${await ensureComposeParser(console.log)}`);
console.log(`schemathesis: ${(await ensureSchemathesis()).join(' ')}`);
