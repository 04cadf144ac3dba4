// CI's dependency check: fails on high or critical advisories in production dependencies. npm's audit service first,
// osv-scanner when that is unreachable, and always the recorded floors (scripts/advisoryFloors.json), which need no network.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface Floor {
  package: string;
  fixed: string;
  severity: string;
  advisory: string;
}

interface Lockfile {
  packages: Record<string, { version?: string; dev?: boolean }>;
}

const SERIOUS = ['high', 'critical'];

/** Compares x.y.z versions; a pre-release sorts before its release. */
export function versionBelow(version: string, fixed: string): boolean {
  const parts = (v: string) => v.split('-')[0]!.split('.').map((n) => Number(n) || 0);
  const [a, b] = [parts(version), parts(fixed)];
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return version.includes('-');
}

/** Every installed production copy of a package below its recorded floor, nested copies included. */
export function floorViolations(lock: Lockfile, floors: Floor[]): string[] {
  const found: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (entry.dev || !entry.version) continue;
    const floor = floors.find((f) => path === `node_modules/${f.package}` || path.endsWith(`/node_modules/${f.package}`));
    if (floor && versionBelow(entry.version, floor.fixed)) found.push(`${path} ${entry.version} < ${floor.fixed} (${floor.severity}: ${floor.advisory})`);
  }
  return found;
}

/** npm audit's JSON: the serious findings, or `unreachable` when the service did not answer with a report. */
export function seriousFindings(report: unknown): string[] | 'unreachable' {
  const r = report as { vulnerabilities?: Record<string, { severity: string; range?: string; via?: unknown[] }> } | null;
  if (!r || typeof r !== 'object' || !r.vulnerabilities) return 'unreachable';
  return Object.entries(r.vulnerabilities)
    .filter(([, v]) => SERIOUS.includes(v.severity))
    .map(([name, v]) => `${name} ${v.range ?? ''} (${v.severity}): ${(v.via ?? []).map((x) => (typeof x === 'string' ? x : ((x as { url?: string; title?: string }).url ?? (x as { title?: string }).title))).join(', ')}`);
}

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; missing: boolean }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, missing: (err as NodeJS.ErrnoException | null)?.code === 'ENOENT' });
    });
  });
}

async function npmAudit(): Promise<string[] | 'unreachable'> {
  const { stdout } = await run('npm', ['audit', '--omit=dev', '--json']);
  try {
    return seriousFindings(JSON.parse(stdout));
  } catch {
    return 'unreachable';
  }
}

/** osv-scanner exits 0 when clean, 1 with findings, anything else when it could not check. */
async function osvScanner(): Promise<string[] | 'unreachable'> {
  const { code, stdout, missing } = await run('osv-scanner', ['--lockfile', 'package-lock.json']);
  if (missing || (code !== 0 && code !== 1)) return 'unreachable';
  return code === 0 ? [] : [stdout.trim()];
}

async function main() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.chdir(root);
  const lock = JSON.parse(await readFile('package-lock.json', 'utf8')) as Lockfile;
  const floors = JSON.parse(await readFile('scripts/advisoryFloors.json', 'utf8')) as Floor[];
  const problems = floorViolations(lock, floors);
  let source = 'npm audit';
  let online = await npmAudit();
  if (online === 'unreachable') {
    source = 'osv-scanner';
    online = await osvScanner();
  }
  if (online === 'unreachable') {
    // No advisory service answers from here (CI without internet): say so loudly; a networked CI sets AUDIT_REQUIRED=1.
    console.log(`audit: WARNING no advisory database reachable (npm audit, osv-scanner); checked only the ${floors.length} recorded floor(s)`);
    if (process.env.AUDIT_REQUIRED === '1') problems.push('no advisory database reachable and AUDIT_REQUIRED=1');
  } else {
    problems.push(...online);
    console.log(`audit: ${source} found ${online.length} high or critical advisories in production dependencies`);
  }
  if (problems.length > 0) {
    console.error(`audit: FAILED\n${problems.map((p) => `  ${p}`).join('\n')}`);
    process.exit(1);
  }
  console.log('audit: ok');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
