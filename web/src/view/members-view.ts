/**
 * @module The member list of the room on screen, live; each member is a button that opens a
 * whisper. To an operator of the room, every other member also has a menu: kick, ban.
 */
import type { PageModel } from '../page-model.js';
import { nickColour } from '../names.js';
import { byId, el, syncList } from './dom.js';
import { avatar } from './entry-view.js';

interface Row {
  id: number;
  nick: string;
  op?: boolean;
}

/** Returns its render function; `whisperTo` opens a whisper with a member. */
export function membersView(model: PageModel, whisperTo: (nick: string) => void): () => void {
  let operating = false;

  /** The menu an operator gets beside another member: a disclosure with the two actions. */
  function menu(row: Row): HTMLDetailsElement {
    const actions = (['kick', 'ban'] as const).map((action) => {
      const button = el('button', { className: 'link-button', text: action === 'kick' ? 'Kick' : 'Ban', attrs: { type: 'button' } });
      button.addEventListener('click', () => model.moderate(action, row.id));
      return button;
    });
    return el('details', { className: 'member-menu' }, [el('summary', { text: '⋯', attrs: { 'aria-label': `Moderate ${row.nick}` } }), ...actions]);
  }

  const list = byId('member-list', HTMLUListElement);
  const title = byId('members-title', HTMLHeadingElement);

  function item(row: Row, existing: HTMLLIElement | undefined): HTMLLIElement {
    const li = existing ?? el('li');
    const me = row.id === model.me.id;
    let button = li.querySelector('button');
    if (!button) {
      button = el('button', { className: 'member', attrs: { type: 'button' } });
      // The nick is read at click time: it may have changed since the row was made.
      button.addEventListener('click', () => whisperTo(button!.dataset.nick!));
      li.append(button);
    }
    button.dataset.nick = row.nick;
    button.className = `member nick-c${nickColour(row.nick)}${me ? ' is-me' : ''}`;
    button.replaceChildren(
      avatar(row.nick),
      el('span', { className: 'name', text: row.nick }),
      // Your own row says its visible text aloud ("alice you"); the others say what a press does.
      ...(me ? [' ', el('span', { className: 'tag', text: 'you' })] : []),
      ...(row.op ? [' ', el('span', { className: 'tag', text: 'op' })] : []),
    );
    li.querySelector('details')?.remove();
    if (operating && !me) li.append(menu(row));
    if (me) button.removeAttribute('aria-label');
    else button.setAttribute('aria-label', `Whisper to ${row.nick}`);
    button.disabled = me;
    return li;
  }

  return () => {
    const active = model.active;
    const rows: Row[] =
      active?.kind === 'room'
        ? [...active.members].map(([id, nick]) => ({ id, nick, op: active.ops.has(id) })).sort((a, b) => a.nick.localeCompare(b.nick))
        : active
          ? [{ id: -1, nick: active.name }]
          : [];
    operating = active?.kind === 'room' && active.ops.has(model.me.id);
    title.textContent = active?.kind === 'room' ? `Members · ${rows.length}` : 'Whispering with';
    syncList(list, rows, (row) => String(row.id), item);
  };
}
