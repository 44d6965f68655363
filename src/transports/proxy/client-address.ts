/**
 * @module One spelling per address, so an address named by a proxy header counts, in the
 * per-address caps and in logs, as the same client however the proxy wrote it: IPv6 in its
 * canonical compressed form, IPv4-mapped IPv6 as plain IPv4.
 */
import net from 'node:net';

const MAPPED_IPV4 = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/** The canonical form of an IP address, or undefined when the text is not one (zones refused). */
export function canonicalAddress(text: string): string | undefined {
  if (text.includes('%')) return undefined;
  const version = net.isIP(text);
  if (version === 4) return text;
  if (version !== 6) return undefined;
  // The WHATWG URL parser writes IPv6 hosts in RFC 5952 form (lower case, longest zero run as ::).
  const canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const mapped = MAPPED_IPV4.exec(canonical);
  if (!mapped) return canonical;
  const high = parseInt(mapped[1]!, 16);
  const low = parseInt(mapped[2]!, 16);
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}
