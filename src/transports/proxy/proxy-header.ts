/**
 * @module The PROXY protocol header (HAProxy's, versions 1 and 2) a TCP proxy sends before its
 * client's bytes, naming the client's address. Pure: bytes in, a verdict out, never a throw.
 * https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt
 */
import net from 'node:net';
import { echo } from '../../core/errors.js';
import { canonicalAddress } from './client-address.js';

export type ProxyHeader =
  /** The bytes so far are the start of a header: wait for more. */
  | { readonly kind: 'incomplete' }
  /**
   * A whole header of `length` bytes; the client's bytes follow it. `address` is undefined when
   * the header names no client (v1 UNKNOWN, v2 LOCAL or a non-IP family): the peer itself is meant.
   */
  | { readonly kind: 'header'; readonly length: number; readonly address: string | undefined }
  | { readonly kind: 'refused'; readonly reason: string };

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
/** The longest v1 header, CR LF included, as the specification bounds it. */
const V1_MAX_BYTES = 107;
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_FIXED_BYTES = 16;
/** Addresses take at most 216 bytes; the rest is TLVs (cloud load balancers add a few): room to spare. */
const V2_MAX_PAYLOAD_BYTES = 1024;
/** The most bytes a header may take; a reader never needs to keep more than this. */
export const PROXY_HEADER_MAX_BYTES = V2_FIXED_BYTES + V2_MAX_PAYLOAD_BYTES;

const INCOMPLETE: ProxyHeader = { kind: 'incomplete' };

function refused(reason: string): ProxyHeader {
  return { kind: 'refused', reason };
}

/** Whether `bytes` (possibly shorter) agree with `prefix` as far as both go. */
function startsLike(bytes: Buffer, prefix: Buffer): boolean {
  const n = Math.min(bytes.length, prefix.length);
  return bytes.subarray(0, n).equals(prefix.subarray(0, n));
}

/** Reads the header at the start of what a trusted proxy sent so far. */
export function parseProxyHeader(bytes: Buffer): ProxyHeader {
  if (startsLike(bytes, V2_SIGNATURE)) return bytes.length < V2_SIGNATURE.length ? INCOMPLETE : parseV2(bytes);
  if (startsLike(bytes, V1_PREFIX)) return bytes.length < V1_PREFIX.length ? INCOMPLETE : parseV1(bytes);
  return refused('a trusted proxy must start with a PROXY protocol header (v1 or v2)');
}

const PORT = /^(0|[1-9]\d{0,4})$/;

function parseV1(bytes: Buffer): ProxyHeader {
  const end = bytes.subarray(0, V1_MAX_BYTES).indexOf('\r\n', 0, 'latin1');
  if (end === -1) return bytes.length >= V1_MAX_BYTES ? refused(`PROXY v1 header without CR LF in its first ${V1_MAX_BYTES} bytes`) : INCOMPLETE;
  const line = bytes.toString('latin1', 0, end);
  const length = end + 2;
  const fields = line.split(' ');
  if (fields[1] === 'UNKNOWN') return { kind: 'header', length, address: undefined };
  const bad = refused(`malformed PROXY v1 header "${echo(line)}"`);
  if (fields.length !== 6) return bad;
  const [, family, source, destination, sourcePort, destinationPort] = fields as [string, string, string, string, string, string];
  const version = family === 'TCP4' ? 4 : family === 'TCP6' ? 6 : 0;
  if (version === 0 || net.isIP(source) !== version || net.isIP(destination) !== version) return bad;
  for (const port of [sourcePort, destinationPort]) if (!PORT.test(port) || Number(port) > 65535) return bad;
  const address = canonicalAddress(source);
  return address === undefined ? bad : { kind: 'header', length, address };
}

function ipv6(bytes: Buffer, offset: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(offset + i).toString(16));
  return groups.join(':');
}

function parseV2(bytes: Buffer): ProxyHeader {
  if (bytes.length < V2_FIXED_BYTES) return INCOMPLETE;
  const versionCommand = bytes[12]!;
  const family = bytes[13]!;
  const payload = bytes.readUInt16BE(14);
  if (versionCommand >> 4 !== 2) return refused(`PROXY v2 header of unknown version ${versionCommand >> 4}`);
  const command = versionCommand & 0x0f;
  if (command > 1) return refused(`PROXY v2 header with unknown command ${command}`);
  if (payload > V2_MAX_PAYLOAD_BYTES) return refused(`PROXY v2 header of ${payload} bytes (at most ${V2_MAX_PAYLOAD_BYTES})`);
  const length = V2_FIXED_BYTES + payload;
  if (bytes.length < length) return INCOMPLETE;
  // LOCAL: the proxy speaking for itself (a health check).
  if (command === 0) return { kind: 'header', length, address: undefined };
  const addressFamily = family >> 4;
  const transport = family & 0x0f;
  // UNSPEC: the proxy does not know the client (or it is not on IP).
  if (addressFamily === 0) return { kind: 'header', length, address: undefined };
  if (transport !== 1) return refused(`PROXY v2 header for a transport other than a stream (${transport})`);
  if (addressFamily === 1) {
    if (payload < 12) return refused('PROXY v2 header too short for its IPv4 addresses');
    return { kind: 'header', length, address: `${bytes[16]}.${bytes[17]}.${bytes[18]}.${bytes[19]}` };
  }
  if (addressFamily === 2) {
    if (payload < 36) return refused('PROXY v2 header too short for its IPv6 addresses');
    return { kind: 'header', length, address: canonicalAddress(ipv6(bytes, 16)) };
  }
  if (addressFamily === 3) return { kind: 'header', length, address: undefined };
  return refused(`PROXY v2 header with unknown address family ${addressFamily}`);
}
