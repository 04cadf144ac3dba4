// Where recorded workflow histories live: one folder per release of the workflow code, written by integration tests, replayed by the replay test.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { workflowSourcesHash } from './workflowSources.js';

export const HISTORY_FIXTURES = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MANIFEST = 'manifest.json';

/** What a release folder says about the code its histories were recorded from. */
export interface ReleaseManifest {
  release: string;
  cutAt: string;
  /** The commit the code came from (`+changes` when the working tree differed from it). */
  commit: string;
  /** workflowSourcesHash: what the workflow bundle runs, as code (comments and types do not count). */
  workflowSources: string;
  sdk: string;
  sources: Record<string, string>;
  note?: string;
}

/** Today's workflow code, fingerprinted as a manifest records it. */
export const currentWorkflowSources = () => workflowSourcesHash(REPO_ROOT);

/** Every release folder (one holding a manifest), oldest cut first. */
export function releases(): ReleaseManifest[] {
  return readdirSync(HISTORY_FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(`${HISTORY_FIXTURES}${d.name}/${MANIFEST}`))
    .map((d) => JSON.parse(readFileSync(`${HISTORY_FIXTURES}${d.name}/${MANIFEST}`, 'utf8')) as ReleaseManifest)
    .sort((a, b) => a.cutAt.localeCompare(b.cutAt));
}

/** The release recorded from today's workflow code, if one was cut: new histories go there. */
export function currentRelease(): ReleaseManifest | undefined {
  const { hash } = currentWorkflowSources();
  return releases().find((r) => r.workflowSources === hash);
}

/** Why there is no current release, and what to do: the message CI shows when workflow code changed without new histories. */
export function uncutReleaseMessage(): string {
  const today = currentWorkflowSources();
  const newest = releases().at(-1);
  const changed = newest
    ? [...new Set([...Object.keys(today.sources), ...Object.keys(newest.sources)])].filter((f) => today.sources[f] !== newest.sources[f]).sort()
    : Object.keys(today.sources);
  return [
    `The workflow code changed since release ${newest?.release ?? '(none)'} was recorded, and no release holds histories of today's code.`,
    `Changed (compiled, so comments and types do not count): ${changed.join(', ') || `the SDK (${today.sdk})`}.`,
    'The replay test only proves that old histories replay; the new behaviour has none yet. To cut a release:',
    "  1. Guard every edit that changes the commands a workflow issues with patched('<id>'); the replay test must pass.",
    '  2. npm run histories:record   (records every REQUIRED_HISTORIES scenario into a new folder test/fixtures/histories/<date>-<hash>/ and writes its manifest)',
    '  3. Commit the new folder. Never edit, re-record or delete an older release.',
    'On a branch that will be merged with other workflow changes, the release is cut once after the merge (docs/decisions.md, "Workflow versioning").',
  ].join('\n');
}

/** Every scenario a release must hold a history of; the current release missing one fails the replay test. */
export const REQUIRED_HISTORIES = [
  'compensation-user-creation',
  'compensation-enrolment-budget',
  'email-rejected',
  'cancelled',
  'expired',
  'late-payment-after-cancel',
  'late-payment-after-expiry',
  'refund-bundle-child',
  'refund-full',
  'provider-refund',
  'dispute',
  'held-fulfil',
  'held-refund',
  'held-refund-pending-manual',
  'reconciled-dropped-webhook',
  'reconciled-unopened-checkout',
  'failed-after-succeeded',
  // Payments that take time, every provider, refunds that follow the provider's answer (issue 9).
  'payu-processing-fulfilled',
  'paypal-processing-fulfilled',
  'postfinance-processing-fulfilled',
  'payu-refund-failed-retried',
  'paypal-refund-failed-retried',
  'postfinance-refund-failed-retried',
  'bank-transfer-fulfilled',
  'bank-transfer-manual-refund',
  'payu-refund-pending-settled',
  'settlement-deadline-expired',
  'paypal-return-capture',
  'paypal-dispute-won',
  // Refunds under faults (issue 10 review): patched paths of the refund, dispute-won and checkout runs.
  'payu-refund-stale-attempt-ignored',
  'refund-failed-settled-outside',
  'dispute-won-unmatched',
  'paypal-return-before-approval',
  'refund-reversed-by-dispute-won',
  'held-partial-provider-refund',
  // An outage while checkout opens: the run stays open, then opens the session or expires the order (issue 10).
  'checkout-outage-recovered',
  'checkout-outage-expired',
  // (The run that failed before the patch `checkout-keeps-trying` is kept in 2026-12-03-54ada7d5, the code it ran.)
  // Runs still in flight when recorded (their histories end open), and the housekeeping workflows (issue 10).
  'open-held-waiting-resolve',
  'open-compensation-retrying',
  'open-bank-transfer-processing',
  'payu-open-processing',
  'paypal-open-processing',
  'postfinance-open-processing',
  'reconcile-pass-signalled',
  'reconcile-pass-resumed',
  'reconcile-pass-expired-unopened',
  'setup-link-sent',
  'setup-link-no-account',
  'email-resend',
  // Search attributes kept true on resumed runs and after a refund of a closed order (issue 10).
  'resumed-by-webhook-late-payment',
  'resumed-by-reconciliation',
  'refund-after-close-refreshes-order',
  'refreshed-after-refund',
  // Coupons (issue 12): the use given back when the order expires or its payment fails; a 100% coupon that skips the provider.
  'coupon-expired-released',
  'coupon-payment-failed-released',
  'coupon-free-order',
  // Recorded with payload encryption on (issue 13): replays through the codec with FIXTURE_PAYLOAD_KEY.
  'encrypted-purchase',
  // The retention schedule's run (issue 13).
  'retention-redacted',
  // A run the release before the lean order shape opened, paid and fulfilled under today's code (issue 14).
  'crossed-into-lean-run',
  // Runs numbered at their start (issue 14): the order got another number; no order at all (refused, or never created).
  'numbered-at-start-number-taken',
  'numbered-at-start-refused',
  'numbered-at-start-expired-without-order',
];

/**
 * The payload key the encrypted fixtures were recorded with. A test key, derived from a fixed phrase and committed on
 * purpose: the replay test must decrypt those histories, and nothing outside the tests ever used it.
 */
export const FIXTURE_PAYLOAD_KEY = { id: 'fixture', key: Buffer.from('wGapx4JHAtVeG0teDYo7b46Xh+nF/2kb2CoLsKdR97E=', 'base64') };

/** protobufjs toObject options that survive JSON: 64-bit numbers and enums as strings, bytes as base64. */
export const HISTORY_JSON = { longs: String, enums: String, bytes: String } as const;
