// Installs stay reproducible and quiet: the lockfile holds every platform's binaries and every install script is decided.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface LockEntry {
  version?: string;
  optional?: boolean;
  hasInstallScript?: boolean;
  optionalDependencies?: Record<string, string>;
}

const root = new URL('../../', import.meta.url);
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as { packages: Record<string, LockEntry> };
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { allowScripts?: Record<string, boolean> };

/** Where Node would find `dep` from the package at lock path `from`: its own node_modules, then each parent's. */
function resolveInLock(from: string, dep: string): string | undefined {
  for (let base = from; ; ) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${dep}`;
    if (lock.packages[candidate]) return candidate;
    if (!base) return undefined;
    const up = base.lastIndexOf('/node_modules/');
    base = up < 0 ? '' : base.slice(0, up);
  }
}

const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

describe('package-lock.json', () => {
  it("lists every platform's optional packages, so a clone on another OS or CPU installs the same tree", () => {
    // npm only records the optional packages it resolved; a lock written after a partial install would make
    // the next `npm install` on another machine rewrite it.
    const missing = Object.entries(lock.packages).flatMap(([path, entry]) =>
      Object.keys(entry.optionalDependencies ?? {})
        .filter((dep) => !resolveInLock(path, dep))
        .map((dep) => `${path || '(root)'} -> ${dep}`),
    );
    expect(missing).toEqual([]);
  });

  it('has every install script allowed or declined in package.json allowScripts', () => {
    // An undecided script is skipped with an `npm warn install-scripts` line a newcomer has to investigate.
    const decided = new Set(Object.keys(pkg.allowScripts ?? {}).map((key) => key.replace(/(?<=.)@[^@/]*$/, '')));
    const undecided = Object.keys(lock.packages)
      .filter((path) => path && lock.packages[path]?.hasInstallScript)
      .map(nameOf)
      .filter((name) => !decided.has(name));
    expect(undecided).toEqual([]);
  });
});
