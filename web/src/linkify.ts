/**
 * @module Splits message text into plain runs and links. Only absolute http(s) URLs become links;
 * the renderer turns every segment into text nodes, so nothing here can inject markup.
 */

export type Segment = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Sentence punctuation after a URL belongs to the sentence, not the link.
const TRAILING_PUNCTUATION = /[.,;:!?'"]+$/;

/** Drops trailing punctuation and a closing bracket the URL itself did not open. */
function trimCandidate(raw: string): string {
  let url = raw.replace(TRAILING_PUNCTUATION, '');
  while (url.endsWith(')') && countOf(url, '(') < countOf(url, ')')) {
    url = url.slice(0, -1).replace(TRAILING_PUNCTUATION, '');
  }
  return url;
}

function countOf(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** The normalised href when `text` is a well-formed http or https URL, else undefined. */
function safeHref(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export function linkify(text: string): Segment[] {
  const segments: Segment[] = [];
  let plainFrom = 0;
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const start = match.index;
    const candidate = trimCandidate(match[0]);
    const href = safeHref(candidate);
    if (href === undefined) continue;
    if (start > plainFrom) segments.push({ kind: 'text', text: text.slice(plainFrom, start) });
    segments.push({ kind: 'link', text: candidate, href });
    plainFrom = start + candidate.length;
  }
  if (plainFrom < text.length) segments.push({ kind: 'text', text: text.slice(plainFrom) });
  return segments;
}
