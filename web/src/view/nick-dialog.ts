/** @module The nick chooser: shown with the welcome on a first visit, and from the header afterwards. */
import type { ChatClient } from '../chat-client.js';
import { byId } from './dom.js';

export class NickDialog {
  private readonly dialog = byId('nick-dialog', HTMLDialogElement);
  private readonly form = byId('nick-form', HTMLFormElement);
  private readonly input = byId('nick-input', HTMLInputElement);
  private readonly title = byId('nick-dialog-title', HTMLHeadingElement);
  private readonly text = byId('nick-dialog-text', HTMLParagraphElement);
  private readonly error = byId('nick-error', HTMLParagraphElement);
  private readonly cancel = byId('nick-cancel', HTMLButtonElement);

  constructor(
    private readonly client: ChatClient,
    private readonly closed: () => void,
  ) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    this.cancel.addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('close', () => this.closed());
  }

  /** `welcome` is the first-visit variant: it greets and offers to stay a guest. */
  open(welcome: boolean): void {
    const { nick } = this.client.me;
    this.title.textContent = welcome ? `Welcome to ${this.client.serverName}` : 'Change your nick';
    this.text.textContent = welcome
      ? `You are ${nick}. Pick a nick people will know you by; this browser remembers it.`
      : `You are ${nick}. Nicks are 1–32 letters, digits, _ or -.`;
    this.cancel.textContent = welcome ? `Stay ${nick}` : 'Cancel';
    this.error.textContent = '';
    this.input.value = welcome ? '' : nick;
    if (!this.dialog.open) this.dialog.showModal();
    this.input.focus();
    this.input.select();
  }

  private submit(): void {
    const nick = this.input.value.trim();
    if (nick === '') {
      this.error.textContent = 'Type a nick first.';
      return;
    }
    this.error.textContent = '';
    const sent = this.client.changeNick(
      nick,
      (error) => {
        this.error.textContent = error.message;
        this.input.focus();
      },
      () => this.dialog.close(),
    );
    if (!sent) this.error.textContent = 'Not connected; try again in a moment.';
  }
}
