/** @module JWTs minted by the tests themselves, with jose: good ones, and each way one can be bad. */
import { SignJWT, UnsecuredJWT, generateKeyPair, exportJWK, type JWK } from 'jose';

export const SECRET = 'test-secret-that-is-long-enough-for-hs256';
export const AUDIENCE = 'hubbub-test';

export interface Claims {
  sub?: string;
  rooms?: string[];
  ops?: string[] | '*';
  aud?: string;
  iss?: string;
  /** Seconds since the epoch. */
  exp?: number;
}

/** An HS256 token signed with `secret` (the server's by default). */
export function hmacToken(claims: Claims, secret = SECRET): Promise<string> {
  const { sub, aud, iss, exp, ...rest } = claims;
  const jwt = new SignJWT({ ...rest }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (sub !== undefined) jwt.setSubject(sub);
  jwt.setAudience(aud ?? AUDIENCE);
  if (iss !== undefined) jwt.setIssuer(iss);
  if (exp !== undefined) jwt.setExpirationTime(exp);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** A token with `alg: none`: no signature at all. */
export function unsignedToken(claims: Claims): string {
  return new UnsecuredJWT({ ...claims, aud: claims.aud ?? AUDIENCE }).setIssuedAt().encode();
}

/** An ES256 key pair: the public half as a JWKS document, the private half to sign with. */
export async function keyPair(kid: string): Promise<{ jwks: { keys: JWK[] }; sign: (claims: Claims) => Promise<string> }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return {
    jwks: { keys: [jwk] },
    sign: ({ sub, aud, ...rest }) =>
      new SignJWT({ ...rest })
        .setProtectedHeader({ alg: 'ES256', kid })
        .setSubject(sub ?? 'nobody')
        .setAudience(aud ?? AUDIENCE)
        .setIssuedAt()
        .sign(privateKey),
  };
}

export function inSeconds(seconds: number): number {
  return Math.floor(Date.now() / 1000) + seconds;
}
