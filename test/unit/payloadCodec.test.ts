// The AES-256-GCM payload codec alone: round trip, key rotation, tampering, and plain payloads passing through.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AesGcmCodec, isEncrypted, KEY_ID_METADATA, PayloadKeyUnknown } from '../../src/codec/aesGcm.js';

const key = (id: string) => ({ id, key: randomBytes(32) });
const buyer = { email: 'ala.kowalska@example.com', name: 'Ala Kowalska' };
const plain = (): Payload => defaultPayloadConverter.toPayload(buyer);
const textOf = (p: Payload) => Buffer.from(p.data ?? []).toString('utf8') + Object.values(p.metadata ?? {}).map((v) => Buffer.from(v).toString('utf8')).join('');

describe('AesGcmCodec', () => {
  it('encrypts so that nothing of the payload is readable, and decrypts it back exactly', async () => {
    const codec = new AesGcmCodec([key('k1')]);
    const [encrypted] = await codec.encode([plain()]);
    expect(isEncrypted(encrypted!)).toBe(true);
    expect(Buffer.from(encrypted!.metadata![KEY_ID_METADATA]!).toString()).toBe('k1');
    expect(textOf(encrypted!)).not.toContain('example.com');
    expect(textOf(encrypted!)).not.toContain('json/plain');
    const [decrypted] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decrypted!)).toEqual(buyer);
    expect(Buffer.from(decrypted!.metadata!.encoding!).toString()).toBe('json/plain');
  });

  it('never encrypts the same payload to the same bytes (a fresh IV each time)', async () => {
    const codec = new AesGcmCodec([key('k1')]);
    const [a, b] = await codec.encode([plain(), plain()]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('rotates: the new key encrypts, the old key still decrypts what it wrote', async () => {
    const old = key('2025');
    const fresh = key('2026');
    const [before] = await new AesGcmCodec([old]).encode([plain()]);
    const rotated = new AesGcmCodec([fresh, old]);
    const [after] = await rotated.encode([plain()]);
    expect(Buffer.from(after!.metadata![KEY_ID_METADATA]!).toString()).toBe('2026');
    const decoded = await rotated.decode([before!, after!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([buyer, buyer]);
    await expect(new AesGcmCodec([fresh]).decode([before!])).rejects.toThrow(PayloadKeyUnknown);
  });

  it('refuses a tampered payload, or one that claims another key id', async () => {
    const k1 = key('k1');
    const codec = new AesGcmCodec([k1, { id: 'k2', key: k1.key }]);
    const [encrypted] = await codec.encode([plain()]);
    const flipped = Buffer.from(encrypted!.data!);
    flipped[20]! ^= 1;
    await expect(codec.decode([{ ...encrypted!, data: flipped }])).rejects.toThrow(/authenticate/);
    // Same key bytes under another id: the id is authenticated data, so the claim fails.
    const relabelled = { ...encrypted!, metadata: { ...encrypted!.metadata, [KEY_ID_METADATA]: Buffer.from('k2') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/authenticate/);
  });

  it('passes payloads stored before encryption through decode unchanged (old histories still replay)', async () => {
    const codec = new AesGcmCodec([key('k1')]);
    const old = plain();
    expect(await codec.decode([old])).toEqual([old]);
  });
});
