/**
 * @module The connection indicator: always visible. The state is a polite status region; the
 * countdown beside it is not, so a screen reader hears "Offline" once rather than every second.
 */
import type { ConnectionState } from '../../../src/clients/engine/hub-client.js';
import type { PageModel } from '../page-model.js';
import { byId } from './dom.js';

const LABELS: Readonly<Record<ConnectionState['kind'], string>> = {
  connecting: 'Connecting…',
  online: 'Connected',
  offline: 'Offline',
  'catching-up': 'Catching up…',
  closed: 'Offline',
};

/** Returns its render function. */
export function statusView(model: PageModel): () => void {
  const element = byId('connection', HTMLElement);
  const label = byId('connection-label', HTMLElement);
  const detail = byId('connection-detail', HTMLElement);
  const retry = byId('connection-retry', HTMLButtonElement);
  let ticker: ReturnType<typeof setInterval> | undefined;
  retry.addEventListener('click', () => model.retryNow());

  const countdown = (): string => {
    const state = model.connection;
    return state.kind === 'offline' ? `retrying in ${Math.max(0, Math.ceil((state.retryAt - Date.now()) / 1000))}s` : '';
  };

  return () => {
    const state = model.connection;
    element.dataset.state = state.kind;
    retry.hidden = state.kind !== 'offline';
    // Only a real change reaches the live region.
    if (label.textContent !== LABELS[state.kind]) label.textContent = LABELS[state.kind];
    // The countdown changes each second while nothing else does.
    if (state.kind === 'offline') ticker ??= setInterval(() => (detail.textContent = countdown()), 1000);
    else {
      clearInterval(ticker);
      ticker = undefined;
    }
    detail.textContent = countdown();
  };
}
