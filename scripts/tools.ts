// Makes sure the Temporal CLI and stripe-mock are available (built once into the per-user cache) and prints their paths.
import { loadToolsConfig } from '../src/config.js';
import { resolveTool, STRIPE_MOCK, TEMPORAL_CLI } from '../src/stack/tools.js';

const cfg = loadToolsConfig();
for (const tool of [TEMPORAL_CLI, STRIPE_MOCK]) {
  console.log(`${tool.name}: ${await resolveTool(tool, cfg)}`);
}
