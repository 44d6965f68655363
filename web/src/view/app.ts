/**
 * @module The page: connects the chat client to its views, the message box, the drawers used on
 * narrow screens, and the keyboard shortcuts. Rendering is coalesced to once per task.
 */
import { ChatClient, type ClientHooks } from '../chat-client.js';
import type { Conversation } from '../conversation.js';
import { loadNick, saveNick } from '../nick-store.js';
import { ConversationView } from './conversation-view.js';
import { byId } from './dom.js';
import { MembersView } from './members-view.js';
import { NickDialog } from './nick-dialog.js';
import { SidebarView } from './sidebar-view.js';
import { StatusView } from './status-view.js';

/** At this width and above the member list has room to stay open beside the messages. */
const WIDE = '(min-width: 1100px)';

type Drawer = 'sidebar' | 'members';

export class App implements ClientHooks {
  private readonly client: ChatClient;
  private readonly views = new Map<string, ConversationView>();
  private readonly sidebar: SidebarView;
  private readonly members: MembersView;
  private readonly status: StatusView;
  private readonly nickDialog: NickDialog;
  private readonly root = byId('app', HTMLElement);
  private readonly conversations = byId('conversations', HTMLElement);
  private readonly input = byId('composer-input', HTMLInputElement);
  private readonly title = byId('conversation-title', HTMLHeadingElement);
  private readonly subtitle = byId('conversation-subtitle', HTMLParagraphElement);
  private readonly meButton = byId('me-button', HTMLButtonElement);
  private renderQueued = false;

  constructor() {
    const url = new URL('/ws', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.client = new ChatClient(url.href, this, loadNick());
    this.sidebar = new SidebarView(this.client, { picked: (id) => this.pick(id) });
    this.members = new MembersView(this.client, (nick) => {
      this.client.openWhisper(nick);
      this.closeDrawers();
      this.input.focus();
    });
    this.status = new StatusView(this.client);
    this.nickDialog = new NickDialog(this.client, () => this.input.focus());
    this.wireComposer();
    this.wireChrome();
  }

  start(): void {
    this.client.setPageVisible(!document.hidden);
    this.client.start();
    this.changed();
  }

  // ---- ClientHooks ----

  changed(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    queueMicrotask(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  conversationAdded(conversation: Conversation): void {
    const view = new ConversationView(conversation, {
      me: () => this.client.me.nick,
      actions: { retry: (ref) => this.client.retry(conversation, ref) },
      loadOlder: () => this.client.loadOlder(conversation),
    });
    this.views.set(conversation.id, view);
    this.conversations.append(view.element);
  }

  conversationRemoved(conversation: Conversation): void {
    this.views.get(conversation.id)?.dispose();
    this.views.delete(conversation.id);
  }

  welcomed(info: { remembered: boolean }): void {
    if (!info.remembered) this.nickDialog.open(true);
  }

  nickChosen(nick: string): void {
    saveNick(nick);
  }

  // ---- rendering ----

  private render(): void {
    const active = this.client.active;
    for (const [id, view] of this.views) {
      view.show(id === this.client.activeId);
      view.refresh();
    }
    this.sidebar.render();
    this.members.render();
    this.status.render();
    this.meButton.textContent = this.client.me.nick || '…';
    this.meButton.setAttribute('aria-label', `You are ${this.client.me.nick}; change nick`);
    if (active) {
      const isRoom = active.kind === 'room';
      this.title.textContent = isRoom ? `#${active.name}` : `@${active.name}`;
      const count = active.members.size;
      this.subtitle.textContent = isRoom ? `${count} member${count === 1 ? '' : 's'}` : 'private whispers · not kept by the server';
      this.input.placeholder = isRoom ? `Message #${active.name}` : `Whisper to ${active.name}`;
    }
    let unread = 0;
    for (const conversation of this.client.conversations.values()) unread += conversation.unread;
    const where = active ? (active.kind === 'room' ? `#${active.name}` : `@${active.name}`) : '';
    const server = this.client.serverName || 'hubbub';
    document.title = `${unread > 0 ? `(${unread}) ` : ''}${where ? `${where} · ${server}` : server}`;
  }

  // ---- input ----

  private wireComposer(): void {
    byId('composer', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      if (!this.client.submit(this.input.value)) return;
      this.input.value = '';
      this.views.get(this.client.activeId)?.scrollToBottom();
    });
  }

  private pick(id: string): void {
    this.client.activate(id);
    this.closeDrawers();
    this.input.focus();
  }

  private wireChrome(): void {
    const wide = matchMedia(WIDE);
    this.root.dataset.members = wide.matches ? 'open' : 'closed';
    this.root.dataset.sidebar = 'closed';
    this.syncToggles();
    // Crossing the breakpoint (a rotated tablet, a resized window) starts from that width's default.
    wide.addEventListener('change', () => {
      this.root.dataset.members = wide.matches ? 'open' : 'closed';
      this.syncToggles();
    });
    byId('toggle-sidebar', HTMLButtonElement).addEventListener('click', () => this.toggle('sidebar'));
    byId('toggle-members', HTMLButtonElement).addEventListener('click', () => this.toggle('members'));
    byId('scrim', HTMLElement).addEventListener('click', () => this.closeDrawers());
    this.meButton.addEventListener('click', () => this.nickDialog.open(false));
    document.addEventListener('visibilitychange', () => this.client.setPageVisible(!document.hidden));
    window.addEventListener('online', () => this.client.retryNow());
    document.addEventListener('keydown', (event) => this.onKey(event));
  }

  private toggle(drawer: Drawer): void {
    const opening = this.root.dataset[drawer] !== 'open';
    this.root.dataset[drawer] = opening ? 'open' : 'closed';
    this.syncToggles();
    if (opening) {
      const first = byId(drawer, HTMLElement).querySelector<HTMLButtonElement>('button:not([disabled])');
      first?.focus();
    }
  }

  /** Closes the drawers that overlay the messages (on wide screens the member list is not one). */
  private closeDrawers(): void {
    this.root.dataset.sidebar = 'closed';
    if (!matchMedia(WIDE).matches) this.root.dataset.members = 'closed';
    this.syncToggles();
  }

  private syncToggles(): void {
    for (const drawer of ['sidebar', 'members'] as const) {
      byId(`toggle-${drawer}`, HTMLButtonElement).setAttribute('aria-expanded', String(this.root.dataset[drawer] === 'open'));
    }
  }

  /** Alt+↑/↓ moves between conversations in sidebar order; Escape closes drawers and returns to typing. */
  private onKey(event: KeyboardEvent): void {
    if (event.key === 'Escape' && !byId('nick-dialog', HTMLDialogElement).open) {
      this.closeDrawers();
      this.input.focus();
      return;
    }
    if (!event.altKey || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) return;
    event.preventDefault();
    const order = Array.from(document.querySelectorAll<HTMLLIElement>('#room-list > li, #dm-list > li'), (li) => li.dataset.key!);
    const here = order.indexOf(this.client.activeId);
    const next = order[(here + (event.key === 'ArrowDown' ? 1 : order.length - 1)) % order.length];
    if (next !== undefined) this.client.activate(next);
  }
}
