/**
 * @module Minting a token with the server's own HMAC secret (`hubbub token`), so an operator can
 * hand one out without writing code. Claims as src/auth/token-claims.ts reads them.
 */
import { SignJWT } from 'jose';
import { grantsOf } from './token-claims.js';

export interface TokenRequest {
  readonly subject: string;
  readonly rooms?: readonly string[];
  /** Rooms it operates, or '*' for all. */
  readonly ops?: readonly string[] | '*';
  /** Seconds it lives; undefined: it never expires. */
  readonly ttlSeconds?: number;
  readonly audience: string;
  readonly issuer: string;
}

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90`, `90s`, `15m`, `1h`, `30d` as seconds; throws on anything else. */
export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match || Number(match[1]) === 0) throw new Error(`--ttl ${JSON.stringify(text)}: expected a positive number of seconds, or with s, m, h or d (1h)`);
  return Number(match[1]) * UNITS[match[2] || 's']!;
}

export function mintToken(secret: string, request: TokenRequest): Promise<string> {
  const claims = { ...(request.rooms && { rooms: [...request.rooms] }), ...(request.ops && { ops: request.ops === '*' ? '*' : [...request.ops] }) };
  // The server would refuse what does not read as grants: say so now, not when the token is used.
  grantsOf({ sub: request.subject, ...claims });
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(request.subject).setIssuedAt();
  if (request.ttlSeconds !== undefined) jwt.setExpirationTime(`${request.ttlSeconds}s`);
  if (request.audience !== '') jwt.setAudience(request.audience);
  if (request.issuer !== '') jwt.setIssuer(request.issuer);
  return jwt.sign(new TextEncoder().encode(secret));
}
