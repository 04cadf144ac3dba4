// The client's address (for rate limits, and for providers that ask): the socket's peer, or X-Forwarded-For only as far as trusted proxies wrote it.
import { isIP, isIPv6 } from 'node:net';

/**
 * Each trusted proxy appends the address it received the request from, so with `trustedHops` proxies the client is
 * that many entries from the right; anything further left was written by the client and is ignored.
 */
export function forwardedAddress(remoteAddress: string | undefined, forwardedFor: string | undefined, trustedHops: number): string | undefined {
  if (trustedHops > 0 && forwardedFor) {
    const chain = forwardedFor.split(',').map((a) => a.trim()).filter(Boolean);
    return chain[Math.max(0, chain.length - trustedHops)] ?? remoteAddress;
  }
  return remoteAddress;
}

/** Whom a rate limit counts: the client's address as `rateLimitSubject` groups it. */
export function clientIp(remoteAddress: string | undefined, forwardedFor: string | undefined, trustedHops: number): string {
  return rateLimitSubject(forwardedAddress(remoteAddress, forwardedFor, trustedHops) ?? 'unknown');
}

/** The client's address as a payment provider takes it (PayU's customerIp): IPv4-mapped IPv6 as IPv4, nothing if it is no address. */
export function buyerIp(remoteAddress: string | undefined, forwardedFor: string | undefined, trustedHops: number): string | undefined {
  const address = forwardedAddress(remoteAddress, forwardedFor, trustedHops);
  const plain = address && unmapped(address);
  return plain && isIP(plain) ? plain : undefined;
}

/** An IPv4-mapped IPv6 address (`::ffff:203.0.113.7`, as a dual-stack socket reports IPv4 peers) as the IPv4 it is. */
const unmapped = (address: string) => address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i)?.[1] ?? address;

/** One IPv6 customer usually holds a whole /64, so IPv6 addresses count per /64; IPv4-mapped ones as IPv4. */
export function rateLimitSubject(given: string): string {
  const address = unmapped(given);
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
