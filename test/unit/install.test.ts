// Installs stay reproducible and quiet: the lockfile holds every platform's binaries and every install script is decided.
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

interface LockEntry {
  version?: string;
  optional?: boolean;
  hasInstallScript?: boolean;
  dev?: boolean;
  engines?: { node?: string } | string[];
  optionalDependencies?: Record<string, string>;
}

const root = new URL('../../', import.meta.url);
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as { packages: Record<string, LockEntry> };
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { allowScripts?: Record<string, boolean>; engines: { node: string } };

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
  it('holds no runtime package that refuses a Node version our engines admit, so npm installs without EBADENGINE warnings', () => {
    // The lowest version of each line `engines` admits (20.19.0, 22.12.0, 24.11.0): a dependency wanting more is a
    // warning on every install there (js-beautify's nopt 10 wanted Node 22.22, for a CLI the product never runs).
    const lowest = pkg.engines.node.split('||').map((range) => semver.minVersion(range.trim())!.version);
    expect(lowest).toEqual(['20.19.0', '22.12.0', '24.11.0']);
    const refusing = Object.entries(lock.packages).flatMap(([path, entry]) => {
      const wanted = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (!path || entry.dev || !wanted) return [];
      return lowest.filter((version) => !semver.satisfies(version, wanted)).map((version) => `${nameOf(path)}@${entry.version} wants ${wanted}, not ${version}`);
    });
    expect(refusing).toEqual([]);
  });

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
