/**
 * @module The client address of an HTTP request that came through reverse proxies: the rightmost
 * `X-Forwarded-For` address not itself a trusted proxy (nginx's `real_ip_recursive on`). Each proxy
 * appends the address it was connected from, so that entry is the last one a trusted party wrote;
 * what lies left of it came from the client and is never believed.
 */
import { echo } from '../../core/errors.js';
import { canonicalAddress } from './client-address.js';

export type ClientAddress = { readonly ok: true; readonly address: string } | { readonly ok: false; readonly reason: string };

/**
 * The request's client: the peer itself unless the peer is trusted and the header names someone.
 * A trusted peer's header that does not read as addresses is refused, never guessed at.
 */
export function forwardedClient(peer: string, header: string | undefined, trusts: (address: string) => boolean): ClientAddress {
  if (header === undefined || !trusts(peer)) return { ok: true, address: peer };
  const entries = header.split(',');
  let client: string | undefined;
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!.trim();
    const address = canonicalAddress(entry);
    if (address === undefined) {
      return { ok: false, reason: `X-Forwarded-For from a trusted proxy names "${echo(entry)}", which is not an IP address` };
    }
    client = address;
    if (!trusts(address)) break;
  }
  // Every address was a trusted proxy: the leftmost is the furthest one known, as nginx takes it.
  return { ok: true, address: client! };
}
