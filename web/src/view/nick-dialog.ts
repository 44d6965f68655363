/** @module The nick chooser: shown with the welcome on a first visit, and from the header afterwards. */
import type { PageModel } from '../page-model.js';
import { byId } from './dom.js';

/** Returns its open function; `welcome` is the first-visit variant, which greets and offers to stay a guest. */
export function nickDialog(model: PageModel, closed: () => void): (welcome: boolean) => void {
  const dialog = byId('nick-dialog', HTMLDialogElement);
  const input = byId('nick-input', HTMLInputElement);
  const title = byId('nick-dialog-title', HTMLHeadingElement);
  const text = byId('nick-dialog-text', HTMLParagraphElement);
  const error = byId('nick-error', HTMLParagraphElement);
  const cancel = byId('nick-cancel', HTMLButtonElement);

  byId('nick-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    const nick = input.value.trim();
    error.textContent = nick === '' ? 'Type a nick first.' : '';
    if (nick === '') return;
    void model.changeNick(nick).then((refused) => {
      if (refused === undefined) return dialog.close();
      error.textContent = refused;
      input.focus();
    });
  });
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', closed);

  return (welcome) => {
    const { nick } = model.me;
    title.textContent = welcome ? `Welcome to ${model.serverName}` : 'Change your nick';
    text.textContent = welcome
      ? `You are ${nick}. Pick a nick people will know you by; this browser remembers it.`
      : `You are ${nick}. Nicks are 1–32 letters, digits, _ or -.`;
    cancel.textContent = welcome ? `Stay ${nick}` : 'Cancel';
    error.textContent = '';
    input.value = welcome ? '' : nick;
    if (!dialog.open) dialog.showModal();
    input.focus();
    input.select();
  };
}
