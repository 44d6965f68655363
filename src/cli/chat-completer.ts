/** @module Tab completion for the interactive client: commands, then nicks or rooms by context. */
import { COMMAND_WORDS, findCommand } from './chat-commands.js';

export interface CompletionSources {
  readonly nicks: Iterable<string>;
  readonly rooms: Iterable<string>;
}

function matching(candidates: Iterable<string>, prefix: string): string[] {
  const lower = prefix.toLowerCase();
  return [...new Set(candidates)].filter((c) => c.toLowerCase().startsWith(lower)).sort();
}

/**
 * readline's completer contract: the candidates for the word before the cursor, and that word.
 * A lone candidate gets its separator (a space; ": " for a nick opening a message) so typing goes on.
 */
export function completeLine(line: string, sources: CompletionSources): [string[], string] {
  const wordStart = line.lastIndexOf(' ') + 1;
  const word = line.slice(wordStart);
  if (wordStart === 0 && line.startsWith('/')) {
    const hits = matching(COMMAND_WORDS, word);
    return [hits.length === 1 ? [hits[0] + ' '] : hits, word];
  }
  const verb = line.startsWith('/') ? line.slice(1, line.indexOf(' ')) : undefined;
  const kind = verb === undefined ? 'nick' : (findCommand(verb)?.completes ?? 'nick');
  if (kind === 'command') return [matching(COMMAND_WORDS.map((w) => w.slice(1)), word), word];
  if (kind === 'room') {
    const bare = word.startsWith('#') ? word.slice(1) : word;
    const hits = matching(sources.rooms, bare).map((r) => (word.startsWith('#') ? '#' + r : r));
    return [hits, word];
  }
  const hits = matching(sources.nicks, word);
  const opening = wordStart === 0;
  return [hits.length === 1 ? [hits[0] + (opening ? ': ' : ' ')] : hits, word];
}
