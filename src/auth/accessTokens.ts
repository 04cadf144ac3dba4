// Customer tokens, HS256 JWTs (jose): short-lived access tokens, and device tokens proving a browser logged in before.
import { errors, jwtVerify, SignJWT } from 'jose';

const ISSUER = 'durable-checkout';
// A separate audience keeps these tokens from being accepted anywhere a future token of another kind is expected.
const AUDIENCE = 'customer';
const DEVICE_AUDIENCE = 'login-device';
const DEVICE_TTL_SECONDS = 90 * 24 * 3600;

export interface AccessClaims {
  userId: string;
  email: string;
}

export interface JwtSettings {
  secret: string;
  ttlSeconds: number;
}

const keyOf = (secret: string) => new TextEncoder().encode(secret);

export async function signAccessToken(claims: AccessClaims, jwt: JwtSettings, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = new Date((issuedAt + jwt.ttlSeconds) * 1000);
  const token = await new SignJWT({ email: claims.email })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(keyOf(jwt.secret));
  return { token, expiresAt };
}

/** The claims of a valid token, or why it is not valid (expired, or anything else). */
export async function verifyAccessToken(token: string, secret: string, now = new Date()): Promise<AccessClaims | { invalid: 'expired' | 'invalid' }> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ['sub', 'exp'],
      currentDate: now,
    });
    if (typeof payload.email !== 'string' || !payload.sub) return { invalid: 'invalid' };
    return { userId: payload.sub, email: payload.email };
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { invalid: 'expired' };
    if (err instanceof errors.JOSEError) return { invalid: 'invalid' };
    throw err;
  }
}

/**
 * A device token is handed out at each successful login and shown at the next one: a client that has logged in to this
 * account before skips the account's failed-login delay, so a stranger's wrong guesses slow only strangers.
 */
export async function signDeviceToken(userId: string, secret: string, now = new Date()): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(DEVICE_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + DEVICE_TTL_SECONDS)
    .sign(keyOf(secret));
}

/** The user a valid device token names, or undefined. */
export async function deviceTokenUser(token: string, secret: string, now = new Date()): Promise<string | undefined> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), { algorithms: ['HS256'], issuer: ISSUER, audience: DEVICE_AUDIENCE, requiredClaims: ['sub', 'exp'], currentDate: now });
    return payload.sub;
  } catch (err) {
    if (err instanceof errors.JOSEError) return undefined;
    throw err;
  }
}
