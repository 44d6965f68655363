/** @module A link over WebSocket: one JSON object per text frame, both ways. */
import WebSocket, { type RawData } from 'ws';
import { describeSocketError, LinkOpening, type FrameLink, type LinkEvents, type LinkOptions } from './frame-link.js';

export function openWsLink(href: string, events: LinkEvents, options: LinkOptions): Promise<FrameLink> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(href, {
      perMessageDeflate: false,
      maxPayload: options.maxFrameBytes,
      handshakeTimeout: options.connectTimeoutMs,
    });
    const link: FrameLink = {
      send(frame) {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
      },
      end: () => ws.close(1000),
      destroy: () => ws.terminate(),
    };
    const opening = new LinkOpening(events, () => resolve(link), reject, () => ws.terminate(), options.connectTimeoutMs);
    let closeReason: string | undefined;

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) opening.receive((data as Buffer).toString('utf8'));
    });
    ws.on('error', (err: Error & { code?: string }) => {
      closeReason ??= describeSocketError(err);
    });
    ws.on('close', (code: number, reason: Buffer) => {
      opening.closed(closeReason ?? (reason.length > 0 ? `closed by the server: ${reason.toString('utf8')}` : `closed by the server (${code})`));
    });
  });
}
