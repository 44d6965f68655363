/**
 * @module The server's Access (src/core/access.ts) from its configuration: guests on or off, the
 * shared password, the token verifier. The password is read at each check, so SIGHUP changes it.
 */
import type { Access, TokenVerifier } from '../core/access.js';
import type { ServeConfig } from '../config/options.js';
import { createTokenVerifier } from './jwt-verifier.js';
import { sameSecret } from './same-secret.js';

/** Under --guests off there is no password to give, even if a reload sets one (it admits guests). */
function checkPassword(config: ServeConfig): ((given: string) => boolean) | undefined {
  return config.password === '' || config.guests === 'off' ? undefined : (given) => sameSecret(given, config.password);
}

/** Throws, at start-up, for settings that would lock everyone out or contradict each other. */
export function accessFor(config: ServeConfig): Access {
  const tokens: TokenVerifier | undefined = createTokenVerifier({
    secret: config.authSecret,
    jwksFile: config.authJwksFile,
    audience: config.authAudience,
    issuer: config.authIssuer,
  });
  if (config.guests === 'off' && tokens === undefined) throw new Error('--guests off needs --auth-secret or --auth-jwks-file: otherwise nobody can sign in');
  if (config.guests === 'off' && config.password !== '') throw new Error('--password admits guests and --guests off admits none: give one of them');
  return {
    get openToGuests() {
      return config.guests === 'on' && config.password === '';
    },
    get password() {
      return checkPassword(config);
    },
    ...(tokens && { tokens }),
  };
}
