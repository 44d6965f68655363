/**
 * @module The sidebar: the rooms you are in (member counts, unread badges), whisper threads, a
 * join box and the directory of every room on the server.
 */
import { roomConversationId, type ChatClient } from '../chat-client.js';
import type { Conversation } from '../conversation.js';
import { byId, el, syncList } from './dom.js';

export interface SidebarActions {
  /** The user picked a conversation (keyboard or pointer). */
  picked(id: string): void;
}

function badge(count: number): HTMLElement {
  return el('span', { className: 'badge', attrs: { 'aria-hidden': 'true', 'data-count': count > 99 ? '99+' : String(count) } });
}

/** A conversation button: name, optional member count, unread badge; its accessible name says it all. */
function conversationItem(conversation: Conversation, active: boolean, actions: SidebarActions, existing: HTMLLIElement | undefined): HTMLLIElement {
  const item = existing ?? el('li');
  let button = item.querySelector('button');
  if (!button) {
    button = el('button', { className: 'conversation-button', attrs: { type: 'button' } });
    button.addEventListener('click', () => actions.picked(conversation.id));
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
  if (isRoom && count > 0) described.push(`${count} member${count === 1 ? '' : 's'}`);
  if (conversation.unread > 0) described.push(`${conversation.unread} unread`);
  button.setAttribute('aria-label', described.join(', '));
  if (active) button.setAttribute('aria-current', 'true');
  else button.removeAttribute('aria-current');
  button.classList.toggle('has-unread', conversation.unread > 0);
  return item;
}

export class SidebarView {
  private readonly rooms = byId('room-list', HTMLUListElement);
  private readonly whispers = byId('dm-list', HTMLUListElement);
  private readonly whispersHeading = byId('dm-heading', HTMLHeadingElement);
  private readonly directory = byId('directory-list', HTMLUListElement);

  constructor(
    private readonly client: ChatClient,
    private readonly actions: SidebarActions,
  ) {
    const form = byId('join-form', HTMLFormElement);
    const input = byId('join-input', HTMLInputElement);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const room = input.value.trim();
      if (room !== '' && client.join(room)) input.value = '';
    });
    byId('directory', HTMLDetailsElement).addEventListener('toggle', (event) => {
      if ((event.currentTarget as HTMLDetailsElement).open) client.refreshDirectory();
    });
  }

  render(): void {
    const all = [...this.client.conversations.values()];
    const rooms = all.filter((c) => c.kind === 'room').sort((a, b) => a.name.localeCompare(b.name));
    const whispers = all.filter((c) => c.kind === 'dm');
    const activeId = this.client.activeId;
    const item = (c: Conversation, existing: HTMLLIElement | undefined): HTMLLIElement => conversationItem(c, c.id === activeId, this.actions, existing);
    syncList(this.rooms, rooms, (c) => c.id, item);
    syncList(this.whispers, whispers, (c) => c.id, item);
    this.whispersHeading.hidden = whispers.length === 0;
    syncList(this.directory, this.client.directory, (r) => r.room, (entry, existing) => this.directoryItem(entry, existing));
  }

  private directoryItem(entry: { room: string; members: number }, existing: HTMLLIElement | undefined): HTMLLIElement {
    const id = roomConversationId(entry.room);
    const item = existing ?? el('li');
    let button = item.querySelector('button');
    if (!button) {
      button = el('button', { className: 'link-button', attrs: { type: 'button' } });
      // Decided at click time: the user may have joined the room since this row was drawn.
      button.addEventListener('click', () => {
        if (this.client.conversations.has(id)) this.actions.picked(id);
        else this.client.join(entry.room);
      });
      item.append(el('span', { className: 'name', text: `#${entry.room}` }), el('span', { className: 'count' }), button);
    }
    const verb = this.client.conversations.has(id) ? 'Open' : 'Join';
    item.querySelector('.count')!.textContent = `${entry.members} member${entry.members === 1 ? '' : 's'}`;
    button.textContent = verb;
    button.setAttribute('aria-label', `${verb} #${entry.room}`);
    return item;
  }
}
