// The fake PostFinance's webhook side: its own P-256 key served by id, X-Signature over raw bytes, and delivery.
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';

/** listenerEntityId values the platform gives these entities (as the official shop plugins register them). */
const LISTENER_ENTITY_IDS = { Transaction: 1472041829003, Refund: 1472041839405 } as const;

/** 2023-12-19T13:43:35+0000, the form of the SDK's own test vector. */
const timestamp = (d = new Date()) => `${d.toISOString().slice(0, 19)}+0000`;

export function createWebhookSender(spaceId: number, initialUrl: string | undefined) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyId = randomUUID();
  const encodedPublicKey = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  let url = initialUrl;
  let nextEventId = 90_001;

  /** `algorithm=SHA256withECDSA, keyId=…, signature=<base64 DER ECDSA over the raw body bytes>`. */
  function signBody(body: string, asKeyId = keyId): string {
    const signature = sign('sha256', Buffer.from(body, 'utf8'), privateKey).toString('base64');
    return `algorithm=SHA256withECDSA, keyId=${asKeyId}, signature=${signature}`;
  }

  async function post(body: string, headers: Record<string, string>): Promise<number> {
    if (!url) throw new Error('fake PostFinance: no webhook URL (pass webhookUrl or call setWebhookUrl)');
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    await response.arrayBuffer();
    return response.status;
  }

  /** Sends the listener's notice for one entity, signed, in the field order PostFinance uses; returns our status. */
  async function notify(entity: keyof typeof LISTENER_ENTITY_IDS, entityId: number, state: string): Promise<number> {
    const body = JSON.stringify({
      entityId,
      eventId: nextEventId++,
      listenerEntityId: LISTENER_ENTITY_IDS[entity],
      listenerEntityTechnicalName: entity,
      spaceId,
      state,
      timestamp: timestamp(),
      webhookListenerId: 7,
    });
    return post(body, { 'x-signature': signBody(body) });
  }

  return {
    keyId,
    publicKey: (id: string) => (id === keyId ? encodedPublicKey : undefined),
    sign: signBody,
    post,
    notify,
    setUrl: (next: string) => void (url = next),
  };
}
