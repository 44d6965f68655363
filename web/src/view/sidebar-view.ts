/**
 * @module The sidebar: the rooms you are in (member counts, unread badges), whisper threads, a
 * join box and the directory of every room on the server.
 */
import { counted } from '../../../src/clients/engine/describe.js';
import { roomConversationId, type PageModel } from '../page-model.js';
import type { Conversation } from '../conversation.js';
import { byId, el, syncList } from './dom.js';

function badge(count: number): HTMLElement {
  return el('span', { className: 'badge', attrs: { 'aria-hidden': 'true', 'data-count': count > 99 ? '99+' : String(count) } });
}

/** A conversation button: name, optional member count, unread badge; its accessible name says it all. */
function conversationItem(conversation: Conversation, active: boolean, picked: (id: string) => void, existing: HTMLLIElement | undefined): HTMLLIElement {
  const item = existing ?? el('li');
  let button = item.querySelector('button');
  if (!button) {
    button = el('button', { className: 'conversation-button', attrs: { type: 'button' } });
    button.addEventListener('click', () => picked(conversation.id));
    item.append(button);
  }
  const isRoom = conversation.kind === 'room';
  const count = conversation.members.size;
  const parts: (Node | false)[] = [
    el('span', { className: 'sigil', attrs: { 'aria-hidden': 'true', 'data-sigil': isRoom ? '#' : '@' } }),
    el('span', { className: 'name', text: conversation.name }),
    isRoom && count > 0 && el('span', { className: 'count', attrs: { title: `${count} members`, 'aria-hidden': 'true', 'data-count': String(count) } }),
    conversation.unread > 0 && badge(conversation.unread),
  ];
  button.replaceChildren(...parts.filter((p): p is Node => p !== false));
  const described = [isRoom ? `#${conversation.name}` : `whispers with ${conversation.name}`];
  if (isRoom && count > 0) described.push(counted(count, 'member'));
  if (conversation.unread > 0) described.push(`${conversation.unread} unread`);
  button.setAttribute('aria-label', described.join(', '));
  if (active) button.setAttribute('aria-current', 'true');
  else button.removeAttribute('aria-current');
  button.classList.toggle('has-unread', conversation.unread > 0);
  return item;
}

/** Returns its render function; `picked` is told when the user picks a conversation (keyboard or pointer). */
export function sidebarView(model: PageModel, picked: (id: string) => void): () => void {
  const rooms = byId('room-list', HTMLUListElement);
  const whispers = byId('dm-list', HTMLUListElement);
  const whispersHeading = byId('dm-heading', HTMLHeadingElement);
  const directory = byId('directory-list', HTMLUListElement);
  const input = byId('join-input', HTMLInputElement);
  byId('join-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    const room = input.value.trim();
    if (room === '') return;
    model.join(room);
    input.value = '';
  });
  byId('directory', HTMLDetailsElement).addEventListener('toggle', (event) => {
    if ((event.currentTarget as HTMLDetailsElement).open) model.refreshDirectory();
  });

  function directoryItem(entry: { room: string; members: number }, existing: HTMLLIElement | undefined): HTMLLIElement {
    const id = roomConversationId(entry.room);
    const item = existing ?? el('li');
    let button = item.querySelector('button');
    if (!button) {
      button = el('button', { className: 'link-button', attrs: { type: 'button' } });
      // Decided at click time: the user may have joined the room since this row was drawn.
      button.addEventListener('click', () => {
        if (model.conversations.has(id)) picked(id);
        else model.join(entry.room);
      });
      item.append(el('span', { className: 'name', text: `#${entry.room}` }), el('span', { className: 'count' }), button);
    }
    const verb = model.conversations.has(id) ? 'Open' : 'Join';
    item.querySelector('.count')!.textContent = counted(entry.members, 'member');
    button.textContent = verb;
    button.setAttribute('aria-label', `${verb} #${entry.room}`);
    return item;
  }

  return () => {
    const all = [...model.conversations.values()];
    const threads = all.filter((c) => c.kind === 'dm');
    const item = (c: Conversation, existing: HTMLLIElement | undefined): HTMLLIElement => conversationItem(c, c.id === model.activeId, picked, existing);
    syncList(rooms, all.filter((c) => c.kind === 'room').sort((a, b) => a.name.localeCompare(b.name)), (c) => c.id, item);
    syncList(whispers, threads, (c) => c.id, item);
    whispersHeading.hidden = threads.length === 0;
    syncList(directory, model.directory, (r) => r.room, directoryItem);
  };
}
