/**
 * @module One conversation entry as a list item. User text only ever becomes text nodes; links are
 * made from http(s) URLs alone and open in a new tab without a referrer or an opener.
 */
import type { Entry, PendingEntry } from '../conversation.js';
import { linkify } from '../linkify.js';
import { nickColour } from '../names.js';
import { el } from './dom.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

function timeOf(ts: number): HTMLTimeElement {
  const date = new Date(ts);
  return el('time', { text: timeFormat.format(date), attrs: { datetime: date.toISOString(), title: fullFormat.format(date) } });
}

/** Message text with links made clickable through the one safe path. */
export function richText(text: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const segment of linkify(text)) {
    if (segment.kind === 'text') fragment.append(document.createTextNode(segment.text));
    else fragment.append(el('a', { text: segment.text, attrs: { href: segment.href, target: '_blank', rel: 'noopener noreferrer' } }));
  }
  return fragment;
}

/** A nick's initial in a circle (drawn by CSS from the attribute; hidden from screen readers, which read the nick). */
export function avatar(nick: string): HTMLElement {
  const initial = [...nick][0]?.toUpperCase() ?? '?';
  return el('span', { className: 'avatar', attrs: { 'aria-hidden': 'true', 'data-initial': initial } });
}

/** The shared shape of a message, a whisper and a pending send: who, when, what. */
function said(options: { from: string; ts: number; text: string; action: boolean; own: boolean; label?: string }, extra: (Node | false)[] = []): HTMLLIElement {
  const { from, ts, text, action, own, label } = options;
  const body = el('p', { className: 'text' }, [action ? `* ${from} ` : undefined, richText(text)]);
  const meta = el('div', { className: 'meta' }, [
    el('span', { className: 'from', text: from }),
    own && el('span', { className: 'tag', text: 'you' }),
    label !== undefined && el('span', { className: 'tag whisper-tag', text: label }),
    timeOf(ts),
  ]);
  const classes = ['entry', 'said', `nick-c${nickColour(from)}`, own ? 'own' : '', action ? 'action' : ''];
  return el('li', { className: classes.filter(Boolean).join(' ') }, [avatar(from), el('div', { className: 'bubble' }, [meta, body, ...extra])]);
}

/** A send awaiting its echo, or one the server refused for good (the engine retries what can be retried). */
function pendingItem(entry: PendingEntry, me: string): HTMLLIElement {
  const status =
    entry.state === 'sending'
      ? el('p', { className: 'delivery', text: 'sending…' })
      : el('p', { className: 'delivery failed', attrs: { role: 'alert' }, text: `not delivered: ${entry.error}` });
  const item = said({ from: me, ts: entry.ts, text: entry.text, action: entry.action, own: true }, [status]);
  item.classList.add('pending', entry.state);
  return item;
}

export function renderEntry(entry: Entry, me: string): HTMLLIElement {
  switch (entry.kind) {
    case 'message': {
      const item = said(entry);
      item.dataset.seq = String(entry.seq);
      return item;
    }
    case 'whisper':
      return said({ ...entry, label: entry.own ? `to ${entry.to}` : 'whisper' });
    case 'notice':
      return el('li', { className: `entry notice tone-${entry.tone}` }, [el('p', { text: entry.text }), timeOf(entry.ts)]);
    case 'pending':
      return pendingItem(entry, me);
  }
}

/** Who said an entry, for grouping consecutive lines by the same person. */
export function speakerOf(entry: Entry, me: string): string | undefined {
  if (entry.kind === 'message' || entry.kind === 'whisper') return `${entry.kind}:${entry.from}`;
  if (entry.kind === 'pending') return `message:${me}`;
  return undefined;
}
