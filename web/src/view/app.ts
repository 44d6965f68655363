/**
 * @module The page: connects the page model to its views, the message box, the drawers used on
 * narrow screens, and the keyboard shortcuts. Rendering is coalesced to once per task.
 */
import { counted } from '../../../src/clients/engine/describe.js';
import { createPageModel, type PageHooks } from '../page-model.js';
import type { Conversation } from '../conversation.js';
import { loadNick, saveNick } from '../nick-store.js';
import { conversationView, type ConversationView } from './conversation-view.js';
import { byId } from './dom.js';
import { membersView } from './members-view.js';
import { nickDialog } from './nick-dialog.js';
import { sidebarView } from './sidebar-view.js';
import { statusView } from './status-view.js';

/** At this width and above the member list has room to stay open beside the messages. */
const WIDE = '(min-width: 1100px)';

type Drawer = 'sidebar' | 'members';

/** Starts the page. */
export function startApp(): void {
  const views = new Map<string, ConversationView>();
  const root = byId('app', HTMLElement);
  const conversations = byId('conversations', HTMLElement);
  const input = byId('composer-input', HTMLInputElement);
  const title = byId('conversation-title', HTMLHeadingElement);
  const subtitle = byId('conversation-subtitle', HTMLParagraphElement);
  const meButton = byId('me-button', HTMLButtonElement);
  let renderQueued = false;

  const hooks: PageHooks = {
    changed() {
      if (renderQueued) return;
      renderQueued = true;
      queueMicrotask(() => {
        renderQueued = false;
        render();
      });
    },
    conversationAdded(conversation: Conversation) {
      const view = conversationView(conversation, {
        me: () => model.me.nick,
        loadOlder: () => model.loadOlder(conversation),
      });
      views.set(conversation.id, view);
      conversations.append(view.element);
    },
    conversationRemoved(conversation: Conversation) {
      views.get(conversation.id)?.dispose();
      views.delete(conversation.id);
    },
    welcomed(info) {
      if (!info.remembered) openNickDialog(true);
    },
    nickChosen: saveNick,
  };

  const url = new URL('/ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const model = createPageModel(url.href, hooks, loadNick(), takeToken());
  const renderSidebar = sidebarView(model, (id) => pick(id));
  const renderMembers = membersView(model, (nick) => {
    model.openWhisper(nick);
    closeDrawers();
    input.focus();
  });
  const renderStatus = statusView(model);
  const openNickDialog = nickDialog(model, () => input.focus());

  function render(): void {
    const active = model.active;
    for (const [id, view] of views) {
      view.show(id === model.activeId);
      view.refresh();
    }
    renderSidebar();
    renderMembers();
    renderStatus();
    meButton.textContent = model.me.nick || '…';
    meButton.setAttribute('aria-label', `You are ${model.me.nick}; change nick`);
    if (active) {
      const isRoom = active.kind === 'room';
      title.textContent = isRoom ? `#${active.name}` : `@${active.name}`;
      subtitle.textContent = isRoom ? counted(active.members.size, 'member') + (active.topic && ` · ${active.topic}`) : 'private whispers · not kept by the server';
      input.placeholder = isRoom ? `Message #${active.name}` : `Whisper to ${active.name}`;
    }
    let unread = 0;
    for (const conversation of model.conversations.values()) unread += conversation.unread;
    const where = active ? (active.kind === 'room' ? `#${active.name}` : `@${active.name}`) : '';
    const server = model.serverName || 'hubbub';
    document.title = `${unread > 0 ? `(${unread}) ` : ''}${where ? `${where} · ${server}` : server}`;
  }

  function pick(id: string): void {
    model.activate(id);
    closeDrawers();
    input.focus();
  }

  function toggle(drawer: Drawer): void {
    const opening = root.dataset[drawer] !== 'open';
    root.dataset[drawer] = opening ? 'open' : 'closed';
    syncToggles();
    if (opening) byId(drawer, HTMLElement).querySelector<HTMLButtonElement>('button:not([disabled])')?.focus();
  }

  /** Closes the drawers that overlay the messages (on wide screens the member list is not one). */
  function closeDrawers(): void {
    root.dataset.sidebar = 'closed';
    if (!matchMedia(WIDE).matches) root.dataset.members = 'closed';
    syncToggles();
  }

  function syncToggles(): void {
    for (const drawer of ['sidebar', 'members'] as const) {
      byId(`toggle-${drawer}`, HTMLButtonElement).setAttribute('aria-expanded', String(root.dataset[drawer] === 'open'));
    }
  }

  /** Alt+↑/↓ moves between conversations in sidebar order; Escape closes drawers and returns to typing. */
  function onKey(event: KeyboardEvent): void {
    if (event.key === 'Escape' && !byId('nick-dialog', HTMLDialogElement).open) {
      closeDrawers();
      input.focus();
      return;
    }
    if (!event.altKey || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) return;
    event.preventDefault();
    const order = Array.from(document.querySelectorAll<HTMLLIElement>('#room-list > li, #dm-list > li'), (li) => li.dataset.key!);
    const here = order.indexOf(model.activeId);
    const next = order[(here + (event.key === 'ArrowDown' ? 1 : order.length - 1)) % order.length];
    if (next !== undefined) model.activate(next);
  }

  byId('composer', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    if (!model.submit(input.value)) return;
    input.value = '';
    views.get(model.activeId)?.scrollToBottom();
  });
  const wide = matchMedia(WIDE);
  root.dataset.members = wide.matches ? 'open' : 'closed';
  root.dataset.sidebar = 'closed';
  syncToggles();
  // Crossing the breakpoint (a rotated tablet, a resized window) starts from that width's default.
  wide.addEventListener('change', () => {
    root.dataset.members = wide.matches ? 'open' : 'closed';
    syncToggles();
  });
  byId('toggle-sidebar', HTMLButtonElement).addEventListener('click', () => toggle('sidebar'));
  byId('toggle-members', HTMLButtonElement).addEventListener('click', () => toggle('members'));
  byId('scrim', HTMLElement).addEventListener('click', closeDrawers);
  meButton.addEventListener('click', () => openNickDialog(false));
  document.addEventListener('visibilitychange', () => model.setPageVisible(!document.hidden));
  window.addEventListener('online', () => model.retryNow());
  document.addEventListener('keydown', onKey);

  model.setPageVisible(!document.hidden);
  model.start();
  hooks.changed();
}

/**
 * A sign-in token handed over in the address's fragment (`/#token=…`): a fragment is never sent to
 * a server or written to its logs, and it is taken out of the address bar at once, so it is not
 * bookmarked or shared. It lives in this page's memory only: a reload without it is a guest.
 */
function takeToken(): string | undefined {
  const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? undefined;
  if (token !== undefined) history.replaceState(null, '', location.pathname + location.search);
  return token;
}
