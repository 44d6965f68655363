/**
 * @module Every open socket of both listeners: counted in total and per remote address, so the
 * ones over the caps are turned away before a byte is read, and known, so shutdown can wait for
 * them and then cut what is left. The hub refuses chat sessions politely (a `bye` with a code) at
 * its own caps; this gate is the hard backstop behind it, for sockets that never become sessions
 * (page loads, upgrades in progress, refused peers still reading their `bye`) and for the
 * file-descriptor limit of the process.
 */
import type { Socket } from 'node:net';
import { SOCKET_HEADROOM, type Limits } from '../core/limits.js';
import type { TrustedProxies } from './proxy/trusted-proxies.js';

export class SocketGate {
  private readonly open = new Set<Socket>();
  private readonly perAddress = new Map<string, number>();
  private emptied: (() => void) | undefined;

  /**
   * The caps are read at each admission, so a reload that changes them applies to the next socket.
   * A trusted proxy carries many clients, so it is held to the total cap only (the hub counts its
   * clients by the addresses it forwards).
   */
  constructor(
    private readonly limits: Pick<Limits, 'maxConnections' | 'maxConnectionsPerIp'>,
    private readonly proxies: TrustedProxies,
  ) {}

  /** Counts the socket until it closes; false (and the socket destroyed) when it is over a cap. */
  admit(socket: Socket): boolean {
    const address = socket.remoteAddress ?? 'unknown';
    const fromAddress = this.perAddress.get(address) ?? 0;
    const overAddressCap = fromAddress >= this.limits.maxConnectionsPerIp + SOCKET_HEADROOM && !this.proxies.trusts(address);
    if (this.open.size >= this.limits.maxConnections + SOCKET_HEADROOM || overAddressCap) {
      socket.on('error', ignoreError);
      socket.destroy();
      return false;
    }
    this.open.add(socket);
    this.perAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      this.open.delete(socket);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left === 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
      if (this.open.size === 0) this.emptied?.();
    });
    return true;
  }

  get size(): number {
    return this.open.size;
  }

  /** Resolves when every socket has closed, or after `ms`, whichever is first. */
  drained(ms: number): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.emptied = resolve;
      setTimeout(resolve, ms).unref();
    });
  }

  destroyAll(): void {
    for (const socket of this.open) socket.destroy();
  }
}

function ignoreError(): void {}
