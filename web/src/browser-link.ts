/** @module The client engine's link in the browser: the page's WebSocket, one JSON object per text frame. */
import type { OpenLink } from '../../src/clients/engine/link.js';

export function browserLink(href: string): OpenLink {
  return (events) => {
    const ws = new WebSocket(href);
    ws.onmessage = (event: MessageEvent<unknown>) => {
      if (typeof event.data === 'string') events.received(event.data);
    };
    // Browsers follow every `error` with a `close`, which carries the code (and seldom a reason).
    ws.onclose = (event) => events.closed(event.reason ? `closed by the server: ${event.reason}` : event.code === 1006 ? 'no connection to the server' : `closed (${event.code})`);
    return {
      send(frame) {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
      },
      end: () => ws.close(1000),
      // A dead connection's closing handshake can take minutes: stop listening now.
      destroy() {
        ws.onmessage = ws.onclose = null;
        ws.close();
      },
    };
  };
}
