// PayU notification signatures: `OpenPayu-Signature: signature=<hex>;algorithm=<name>;sender=…`, hex(HASH(body ‖ second key)).
import { createHash, timingSafeEqual } from 'node:crypto';
import { WebhookSignatureError, type HeaderLookup } from './provider.js';

// PayU's names (and the PHP SDK's aliases) for the digests it signs with; "SHA" alone means SHA-256.
const DIGESTS: Record<string, string> = {
  MD5: 'md5',
  SHA1: 'sha1',
  'SHA-1': 'sha1',
  SHA: 'sha256',
  SHA256: 'sha256',
  'SHA-256': 'sha256',
  SHA384: 'sha384',
  'SHA-384': 'sha384',
  SHA512: 'sha512',
  'SHA-512': 'sha512',
};

// PayU sends both names with the same value; proxies and frameworks may change their case.
const HEADER_NAMES = ['OpenPayu-Signature', 'X-OpenPayU-Signature', 'openpayu-signature', 'x-openpayu-signature', 'OPENPAYU-SIGNATURE', 'X-OPENPAYU-SIGNATURE'];

export interface PayuSignature {
  signature: string;
  /** Node's digest name. */
  digest: string;
  sender?: string;
}

export function readPayuSignatureHeader(header: HeaderLookup): string | undefined {
  for (const name of HEADER_NAMES) {
    const value = header(name);
    if (value) return value;
  }
  return undefined;
}

/** `key=value` pairs split on `;`; keys and the algorithm name in any case. Undefined when a part is missing or malformed. */
export function parsePayuSignature(value: string): PayuSignature | undefined {
  const fields = new Map<string, string>();
  for (const part of value.split(';')) {
    if (!part.trim()) continue;
    const at = part.indexOf('=');
    if (at <= 0) return undefined;
    fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  const signature = fields.get('signature')?.toLowerCase();
  const digest = DIGESTS[fields.get('algorithm')?.toUpperCase() ?? ''];
  if (!signature || !/^[0-9a-f]+$/.test(signature) || !digest) return undefined;
  return { signature, digest, sender: fields.get('sender') };
}

/** Checks the header against the exact bytes received: a re-serialised body would not hash the same. */
export function verifyPayuSignature(rawBody: string, headerValue: string | undefined, secondKey: string): void {
  if (!headerValue) throw new WebhookSignatureError('missing OpenPayu-Signature header');
  const parsed = parsePayuSignature(headerValue);
  if (!parsed) throw new WebhookSignatureError('malformed OpenPayu-Signature header');
  const expected = Buffer.from(createHash(parsed.digest).update(rawBody + secondKey, 'utf8').digest('hex'));
  const given = Buffer.from(parsed.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new WebhookSignatureError('signature mismatch');
}
