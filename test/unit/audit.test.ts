// The dependency check CI runs (scripts/audit.ts): recorded floors against the lockfile, and npm audit's report.
import { describe, it, expect } from 'vitest';
import { readFile } from 'node:fs/promises';
import { floorViolations, seriousFindings, versionBelow, type Floor } from '../../scripts/audit.js';

const floors = JSON.parse(await readFile(new URL('../../scripts/advisoryFloors.json', import.meta.url), 'utf8')) as Floor[];
const lockfile = JSON.parse(await readFile(new URL('../../package-lock.json', import.meta.url), 'utf8')) as Parameters<typeof floorViolations>[0];

describe('advisory floors', () => {
  it('finds no production dependency below its floor in the lockfile, nested copies included', () => {
    expect(floors.map((f) => f.package)).toContain('nodemailer');
    expect(floorViolations(lockfile, floors)).toEqual([]);
  });

  it('flags a vulnerable copy anywhere in the tree, but not a dev-only one', () => {
    const lock = {
      packages: {
        'node_modules/nodemailer': { version: '7.0.13' },
        'node_modules/mailparser/node_modules/nodemailer': { version: '9.1.0' },
        'node_modules/other/node_modules/nodemailer': { version: '9.1.0', dev: true },
      },
    };
    expect(floorViolations(lock, floors)).toEqual([expect.stringMatching(/^node_modules\/nodemailer 7\.0\.13 < 9\.1\.1/), expect.stringMatching(/^node_modules\/mailparser\/node_modules\/nodemailer 9\.1\.0/)]);
  });

  it('compares versions numerically, pre-releases before their release', () => {
    expect(versionBelow('9.1.0', '9.1.1')).toBe(true);
    expect(versionBelow('10.0.0', '9.1.1')).toBe(false);
    expect(versionBelow('9.1.1', '9.1.1')).toBe(false);
    expect(versionBelow('9.1.1-beta.1', '9.1.1')).toBe(true);
  });
});

describe("npm audit's report", () => {
  it('keeps high and critical findings and says when the service gave no report', () => {
    const report = {
      vulnerabilities: {
        nodemailer: { severity: 'high', range: '<9.1.1', via: [{ url: 'https://github.com/advisories/GHSA-xxxx' }] },
        lodash: { severity: 'moderate', range: '<4.17.21', via: [] },
      },
    };
    expect(seriousFindings(report)).toEqual(['nodemailer <9.1.1 (high): https://github.com/advisories/GHSA-xxxx']);
    expect(seriousFindings({ vulnerabilities: {} })).toEqual([]);
    expect(seriousFindings({ message: '405 Method Not Allowed', statusCode: 405 })).toBe('unreachable');
  });
});
