/**
 * @module The addresses whose word we take about who their client is (`--trust-proxy`): a list of
 * IPv4 and IPv6 ranges in CIDR notation. Only a peer in one of them may name another address, in
 * `X-Forwarded-For` or a PROXY protocol header; everyone else is who their socket says.
 */
import net from 'node:net';

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/**
 * Reads `10.0.0.0/8`, `fd00::/8` or a bare address (a range of one). Throws an Error saying what
 * is wrong; zone indexes (`fe80::1%eth0`) are refused, since they name an interface, not a peer.
 */
export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const address = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const version = address.includes('%') ? 0 : net.isIP(address);
  if (version === 0) throw new Error(`"${text}" is not an IPv4 or IPv6 address or range`);
  const max = version === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : trimmed.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > max) throw new Error(`"${text}" has a bad prefix length (0 to ${max})`);
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** The family node's BlockList expects for an address, or undefined when it is not one. */
export function addressFamily(address: string): 'ipv4' | 'ipv6' | undefined {
  if (address.includes('%')) return undefined;
  const version = net.isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
}

/** The trusted ranges in force; replaced as a whole when the configuration is reloaded. */
export class TrustedProxies {
  private ranges = new net.BlockList();
  private count = 0;

  constructor(cidrs: readonly string[]) {
    this.set(cidrs);
  }

  /** Replaces the ranges (each already checked by parseCidr when the configuration was read). */
  set(cidrs: readonly string[]): void {
    const ranges = new net.BlockList();
    for (const text of cidrs) {
      const cidr = parseCidr(text);
      ranges.addSubnet(cidr.address, cidr.prefix, cidr.family);
    }
    this.ranges = ranges;
    this.count = cidrs.length;
  }

  /** Whether a peer's address is in a trusted range. An IPv4-mapped IPv6 address counts as its IPv4 one. */
  trusts(address: string | undefined): boolean {
    if (this.count === 0 || address === undefined) return false;
    const family = addressFamily(address);
    return family !== undefined && this.ranges.check(address, family);
  }

  get empty(): boolean {
    return this.count === 0;
  }
}
