/**
 * @module Token checking with `jose`: HMAC tokens under `--auth-secret`, or tokens signed with the
 * private half of a key in `--auth-jwks-file`; optional audience and issuer. Each way a token can
 * be wrong is its own error code, so a client (and its operator) can tell what to fix.
 */
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, errors, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import type { TokenVerifier } from '../core/access.js';
import { HubError } from '../core/errors.js';
import type { Grants } from '../core/session.js';
import { grantsOf } from './token-claims.js';

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
/** What a public key may sign with: never `none`, never HMAC (a public key is not a secret). */
const PUBLIC_KEY_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

export interface TokenSettings {
  /** The HMAC secret ('' for none). */
  readonly secret: string;
  /** A JSON Web Key Set file of public keys ('' for none). */
  readonly jwksFile: string;
  /** The `aud` a token must name ('' for any). */
  readonly audience: string;
  /** The `iss` a token must name ('' for any). */
  readonly issuer: string;
}

/** The jose error as one of our codes. Anything unforeseen is an invalid token, never a pass. */
function refusal(err: unknown): HubError {
  if (err instanceof HubError) return err;
  if (err instanceof errors.JWTExpired) return new HubError('token_expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return new HubError('token_wrong_audience');
    if (err.claim === 'iss') return new HubError('token_wrong_issuer');
    return new HubError('token_invalid', `the token is invalid: its "${err.claim}" claim ${err.reason === 'check_failed' ? 'is not yet valid or is wrong' : 'is malformed'}`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return new HubError('token_unsupported_alg');
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey) return new HubError('token_bad_signature');
  return new HubError('token_invalid');
}

function keyFrom(settings: TokenSettings): { key: Uint8Array | JWTVerifyGetKey; algorithms: string[] } {
  if (settings.secret !== '') return { key: new TextEncoder().encode(settings.secret), algorithms: HMAC_ALGORITHMS };
  let jwks: unknown;
  try {
    jwks = JSON.parse(readFileSync(settings.jwksFile, 'utf8'));
  } catch (err) {
    throw new Error(`--auth-jwks-file ${settings.jwksFile}: ${(err as Error).message}`);
  }
  return { key: createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]), algorithms: PUBLIC_KEY_ALGORITHMS };
}

/**
 * A verifier for the configured key, or undefined when none is configured. Throws (at start-up)
 * when both or an unreadable key set are given.
 */
export function createTokenVerifier(settings: TokenSettings): TokenVerifier | undefined {
  if (settings.secret === '' && settings.jwksFile === '') return undefined;
  if (settings.secret !== '' && settings.jwksFile !== '') throw new Error('--auth-secret and --auth-jwks-file exclude each other: give one');
  const { key, algorithms } = keyFrom(settings);
  const options: JWTVerifyOptions = {
    algorithms,
    ...(settings.audience !== '' && { audience: settings.audience }),
    ...(settings.issuer !== '' && { issuer: settings.issuer }),
  };
  return {
    verify(token: string): Promise<Grants> {
      // Both overloads of jwtVerify, one call: jose picks by the key's type.
      const verified = typeof key === 'function' ? jwtVerify(token, key, options) : jwtVerify(token, key, options);
      return verified.then(
        ({ payload }) => grantsOf(payload),
        (err: unknown) => {
          throw refusal(err);
        },
      );
    },
  };
}
