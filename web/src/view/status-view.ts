/**
 * @module The connection indicator: always visible. The state is a polite status region; the
 * countdown beside it is not, so a screen reader hears "Offline" once rather than every second.
 */
import type { ChatClient } from '../chat-client.js';
import { byId } from './dom.js';

export class StatusView {
  private readonly element = byId('connection', HTMLElement);
  private readonly label = byId('connection-label', HTMLElement);
  private readonly detail = byId('connection-detail', HTMLElement);
  private readonly retry = byId('connection-retry', HTMLButtonElement);
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly client: ChatClient) {
    this.retry.addEventListener('click', () => client.retryNow());
  }

  render(): void {
    const state = this.client.connection;
    this.element.dataset.state = state.kind;
    this.retry.hidden = state.kind !== 'waiting';
    const label = state.kind === 'open' ? 'Connected' : state.kind === 'connecting' ? (state.attempt === 0 ? 'Connecting…' : 'Reconnecting…') : 'Offline';
    // Only a real change reaches the live region.
    if (this.label.textContent !== label) this.label.textContent = label;
    if (state.kind === 'waiting') this.startTicking();
    else this.stopTicking();
    this.detail.textContent = this.countdown();
  }

  private countdown(): string {
    const state = this.client.connection;
    if (state.kind !== 'waiting') return '';
    return `retrying in ${Math.max(0, Math.ceil((state.retryAt - Date.now()) / 1000))}s`;
  }

  // The countdown changes each second while nothing else does.
  private startTicking(): void {
    this.ticker ??= setInterval(() => (this.detail.textContent = this.countdown()), 1000);
  }

  private stopTicking(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
  }
}
