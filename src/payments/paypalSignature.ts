// PayPal webhook signatures checked locally: RSA-SHA256 over id|time|webhookId|crc32(body), with PayPal's certificate.
import { verify, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { crc32 } from 'node:zlib';
import { PROVIDER_REQUEST_TIMEOUT_MS, WEBHOOK_TOLERANCE_SECONDS, WebhookSignatureError, type HeaderLookup } from './provider.js';

export interface PaypalSignatureSettings {
  webhookId: string;
  /** Hosts PAYPAL-CERT-URL may name (api.paypal.com, api.sandbox.paypal.com; 127.0.0.1 for the local fake). */
  certHosts: string[];
}

/**
 * How old a transmission may be. PayPal redelivers an unacknowledged event for days; whether a redelivery is signed
 * afresh or carries its first transmission time is not documented, so a five-minute window could refuse legitimate
 * retries. A replayed genuine event is harmless (events are recorded once by id), so the bound only cuts off
 * ancient captures; the future side keeps the usual clock-skew tolerance.
 */
export const PAYPAL_TRANSMISSION_MAX_AGE_SECONDS = 4 * 24 * 60 * 60;

const HEADERS = ['paypal-transmission-id', 'paypal-transmission-time', 'paypal-transmission-sig', 'paypal-cert-url', 'paypal-auth-algo'] as const;

/** 127.0.0.0/8, ::1 and localhost: the only hosts a certificate may come from over plain http (the test fake). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** Refuses a certificate URL that is not https on an allowed host (or http on an allowed loopback host). */
export function checkCertUrl(raw: string, certHosts: string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookSignatureError('PAYPAL-CERT-URL is not a URL');
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (!certHosts.some((h) => h.toLowerCase() === host)) throw new WebhookSignatureError(`certificate host ${host} is not allowed`);
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(host)) return url;
  throw new WebhookSignatureError('certificate URL must be https');
}

/** Few certificates are ever in use at once (PayPal rotates them rarely); anything beyond that is someone probing. */
export const CERT_CACHE_SIZE = 8;
/** Read again after a day, so a replaced certificate at the same address is picked up. */
export const CERT_CACHE_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Certificates by the address they are served from, after `checkCertUrl` allowed its host: scheme, host and path, so a
 * query string or fragment cannot make each delivery a fresh download and a fresh entry. A small LRU with an age
 * limit bounds what forged headers can make us fetch and keep.
 */
export function createCertificateSource(fetchPem: (url: URL) => Promise<string> = downloadPem, now: () => number = Date.now) {
  const cache = new Map<string, { cert: Promise<X509Certificate>; at: number }>();
  return (url: URL): Promise<X509Certificate> => {
    const where = new URL(`${url.origin}${url.pathname}`);
    const key = where.href;
    const hit = cache.get(key);
    cache.delete(key);
    if (hit && now() - hit.at < CERT_CACHE_TTL_MS) {
      cache.set(key, hit);
      return hit.cert;
    }
    const cert = fetchPem(where).then((pem) => new X509Certificate(pem));
    const entry = { cert, at: now() };
    cache.set(key, entry);
    if (cache.size > CERT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    // A failed download is not remembered: the next delivery tries again.
    cert.catch(() => cache.get(key) === entry && cache.delete(key));
    return cert;
  };
}

async function downloadPem(url: URL): Promise<string> {
  // No redirects: a redirect could lead off the allow-listed host.
  const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(PROVIDER_REQUEST_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`PayPal certificate download answered ${res.status}`);
  return res.text();
}

export async function verifyPaypalSignature(
  rawBody: string,
  header: HeaderLookup,
  s: PaypalSignatureSettings,
  certificate: (url: URL) => Promise<X509Certificate>,
  nowMs: number,
): Promise<void> {
  const [id, time, sig, certUrl, algo] = HEADERS.map((h) => header(h));
  if (!id || !time || !sig || !certUrl || !algo) throw new WebhookSignatureError('missing PayPal transmission headers');
  if (algo !== 'SHA256withRSA') throw new WebhookSignatureError(`unsupported PAYPAL-AUTH-ALGO ${algo}`);
  const sent = Date.parse(time);
  if (Number.isNaN(sent)) throw new WebhookSignatureError('PAYPAL-TRANSMISSION-TIME is not a date');
  const ageS = (nowMs - sent) / 1000;
  if (ageS > PAYPAL_TRANSMISSION_MAX_AGE_SECONDS || -ageS > WEBHOOK_TOLERANCE_SECONDS) throw new WebhookSignatureError('transmission time outside the tolerance');
  const url = checkCertUrl(certUrl, s.certHosts);
  let cert: X509Certificate;
  try {
    cert = await certificate(url);
  } catch (err) {
    throw new WebhookSignatureError(`certificate unavailable: ${(err as Error).message}`);
  }
  if (nowMs < Date.parse(cert.validFrom) || nowMs > Date.parse(cert.validTo)) throw new WebhookSignatureError('certificate is not valid now');
  // PayPal signs the CRC32 of the bytes it sent, as an unsigned decimal; the body must not be re-serialised.
  const message = `${id}|${time}|${s.webhookId}|${crc32(Buffer.from(rawBody, 'utf8'))}`;
  const ok = verify('RSA-SHA256', Buffer.from(message, 'utf8'), cert.publicKey, Buffer.from(sig, 'base64'));
  if (!ok) throw new WebhookSignatureError('signature mismatch');
}
