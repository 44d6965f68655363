/** @module Opens a link over the wire a hub URL names. */
import { DEFAULT_LINK_OPTIONS, type FrameLink, type LinkEvents, type LinkOptions } from './frame-link.js';
import type { HubUrl } from './hub-url.js';
import { openTcpLink } from './tcp-link.js';
import { openWsLink } from './ws-link.js';

/** Resolves once the server's welcome has been delivered to `events.frame`; rejects with a ConnectError. */
export function openLink(url: HubUrl, events: LinkEvents, options: LinkOptions = DEFAULT_LINK_OPTIONS): Promise<FrameLink> {
  return url.kind === 'tcp' ? openTcpLink(url.host, url.port, events, options) : openWsLink(url.href, events, options);
}
