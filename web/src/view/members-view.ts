/** @module The member list of the room on screen, live; each member is a button that opens a whisper. */
import type { ChatClient } from '../chat-client.js';
import { nickColour } from '../names.js';
import { byId, el, syncList } from './dom.js';

interface Row {
  id: number;
  nick: string;
}

export class MembersView {
  private readonly list = byId('member-list', HTMLUListElement);
  private readonly title = byId('members-title', HTMLHeadingElement);

  constructor(
    private readonly client: ChatClient,
    private readonly whisperTo: (nick: string) => void,
  ) {}

  render(): void {
    const active = this.client.active;
    const rows: Row[] =
      active?.kind === 'room'
        ? [...active.members].map(([id, nick]) => ({ id, nick })).sort((a, b) => a.nick.localeCompare(b.nick))
        : active
          ? [{ id: -1, nick: active.name }]
          : [];
    this.title.textContent = active?.kind === 'room' ? `Members · ${rows.length}` : 'Whispering with';
    syncList(this.list, rows, (row) => String(row.id), (row, existing) => this.item(row, existing));
  }

  private item(row: Row, existing: HTMLLIElement | undefined): HTMLLIElement {
    const item = existing ?? el('li');
    const me = row.id === this.client.me.id;
    let button = item.querySelector('button');
    if (!button) {
      button = el('button', { className: 'member', attrs: { type: 'button' } });
      // The nick is read at click time: it may have changed since the row was made.
      button.addEventListener('click', () => this.whisperTo(button!.dataset.nick!));
      item.append(button);
    }
    button.dataset.nick = row.nick;
    button.className = `member nick-c${nickColour(row.nick)}${me ? ' is-me' : ''}`;
    button.replaceChildren(
      el('span', { className: 'avatar', attrs: { 'aria-hidden': 'true', 'data-initial': [...row.nick][0]?.toUpperCase() ?? '?' } }),
      el('span', { className: 'name', text: row.nick }),
      // Your own row says its visible text aloud ("alice you"); the others say what a press does.
      ...(me ? [' ', el('span', { className: 'tag', text: 'you' })] : []),
    );
    if (me) button.removeAttribute('aria-label');
    else button.setAttribute('aria-label', `Whisper to ${row.nick}`);
    button.disabled = me;
    return item;
  }
}
