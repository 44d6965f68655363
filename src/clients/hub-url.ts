/**
 * @module Where a client connects: `tcp://HOST:PORT` (the plain TCP port, switched to NDJSON with
 * `/json`) or `ws://HOST:PORT/PATH` / `wss://…` (the WebSocket endpoint, JSON text frames).
 */

export const DEFAULT_HUB_URL = 'ws://127.0.0.1:8080/ws';
/** The WebSocket path `hubbub serve` answers on, used when a ws:// URL names none. */
export const DEFAULT_WS_PATH = '/ws';

export type HubUrl =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly href: string }
  | { readonly kind: 'ws'; readonly href: string };

/** The address cannot be used; the message says why in one line. */
export class HubUrlError extends Error {
  override readonly name = 'HubUrlError';
}

const EXPECTED = 'expected tcp://HOST:PORT or ws://HOST:PORT/PATH';

export function parseHubUrl(raw: string): HubUrl {
  if (!raw.includes('://')) throw new HubUrlError(`bad URL "${raw}": ${EXPECTED}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HubUrlError(`bad URL "${raw}": ${EXPECTED}`);
  }
  if (url.hostname === '') throw new HubUrlError(`bad URL "${raw}": no host; ${EXPECTED}`);
  switch (url.protocol) {
    case 'tcp:': {
      if (url.port === '') throw new HubUrlError(`bad URL "${raw}": tcp:// needs a port, as in tcp://127.0.0.1:3000`);
      if (url.pathname !== '' && url.pathname !== '/') throw new HubUrlError(`bad URL "${raw}": tcp:// takes no path`);
      // URL keeps IPv6 brackets in hostname; net.connect wants the bare address.
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      return { kind: 'tcp', host, port: Number(url.port), href: `tcp://${url.host}` };
    }
    case 'ws:':
    case 'wss:':
      if (url.pathname === '/' && !raw.endsWith('/')) url.pathname = DEFAULT_WS_PATH;
      return { kind: 'ws', href: url.href };
    default:
      throw new HubUrlError(`bad URL "${raw}": unsupported scheme "${url.protocol.replace(/:$/, '')}"; ${EXPECTED}`);
  }
}
