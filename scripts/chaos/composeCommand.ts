// The command docker-compose.yml runs a Node service with, so the chaos and bench stacks start each process as compose does.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

export interface NodeCommand {
  /** V8 and Node options before the script (heap caps, the collector's threads). */
  nodeFlags: string[];
  /** The script, relative to the image's working folder (the repository's root here). */
  entry: string;
}

/** The service's `command` read as `node [--flag …] script.js`; anything else is refused, not guessed at. */
export async function composeNodeCommand(service: string, file: URL = new URL('../../docker-compose.yml', import.meta.url)): Promise<NodeCommand> {
  const compose = parse(await readFile(file, 'utf8')) as { services: Record<string, { command?: unknown } | undefined> };
  const command = compose.services[service]?.command;
  const words = Array.isArray(command) && command.every((w) => typeof w === 'string') ? (command as string[]) : undefined;
  const flags = words?.slice(1, -1) ?? [];
  const entry = words?.at(-1);
  if (!words || words[0] !== 'node' || !entry?.endsWith('.js') || !flags.every((f) => f.startsWith('--'))) {
    throw new Error(`docker-compose.yml's ${service} has no command of the form ["node", "--flag", …, "script.js"]: ${JSON.stringify(command)}`);
  }
  return { nodeFlags: flags, entry };
}
