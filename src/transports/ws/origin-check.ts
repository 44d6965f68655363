/**
 * @module Which pages may open a WebSocket (`--allowed-origins`). A browser names the page's origin
 * in `Origin`; a page of another site could otherwise talk to the hub with its visitors' browsers.
 */

/**
 * Allowed: no allowlist; no Origin (not a browser, which could claim any origin anyway); an origin
 * on the list; or the page's own origin, whose host[:port] is the request's Host (the scheme is
 * not compared: behind a proxy that terminates TLS the page is https and hubbub sees http).
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (allowed.length === 0 || origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return false;
  }
  return host !== undefined && originHost !== '' && originHost === host.toLowerCase();
}
