/** @module A link over the plain TCP port: send `/json`, skip the text greeting, then NDJSON both ways. */
import net from 'node:net';
import { describeSocketError, LinkOpening, type FrameLink, type LinkEvents, type LinkOptions } from './frame-link.js';

export function openTcpLink(host: string, port: number, events: LinkEvents, options: LinkOptions): Promise<FrameLink> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    socket.setEncoding('utf8');
    const link: FrameLink = {
      send(frame) {
        if (socket.writable) socket.write(JSON.stringify(frame) + '\n');
      },
      end: () => socket.end(),
      destroy: () => socket.destroy(),
    };
    const opening = new LinkOpening(events, () => resolve(link), reject, () => socket.destroy(), options.connectTimeoutMs);
    let closeReason = 'the server closed the connection';
    let partial = '';

    socket.on('connect', () => {
      // Idle-connection probes, so a vanished peer is noticed even when nobody talks.
      socket.setKeepAlive(true, 30_000);
      // The server starts in text mode; this switches it to NDJSON and it welcomes us again in JSON.
      socket.write('/json\n');
    });
    socket.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      if (Buffer.byteLength(partial) > options.maxFrameBytes) {
        closeReason = `the server sent a line over ${options.maxFrameBytes} bytes`;
        socket.destroy();
        return;
      }
      for (const line of lines) {
        if (socket.destroyed) return;
        opening.receive(line.endsWith('\r') ? line.slice(0, -1) : line);
      }
    });
    socket.on('error', (err) => {
      closeReason = describeSocketError(err);
    });
    socket.on('close', () => opening.closed(closeReason));
  });
}
