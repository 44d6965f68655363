/** @module `hubbub chat` arguments: what they mean, their defaults, and the help text. */
import { parseArgs } from 'node:util';
import { DEFAULT_HUB_URL, parseHubUrl, type HubUrl } from '../clients/hub-url.js';

export const CHAT_USAGE = `Usage: hubbub chat [URL] [options]

A terminal chat client that stays connected: it reconnects by itself and catches up on what it
missed. URL is the server's TCP port, tcp://HOST:PORT, or its WebSocket endpoint, ws://HOST:PORT/ws
(default ${DEFAULT_HUB_URL}, the local server).

On a terminal it is interactive: messages arrive above the line you are typing, which stays as it
is. Otherwise (stdin or stdout is not a terminal, or --json) it works line by line: each input line
is sent as a message to the current room, each event is printed as one line, and when the input ends
it waits until every line was delivered, then exits.

Options:
  -n, --nick NAME   the nick to use; claimed again after every reconnect
      --token JWT   sign in with this token (its subject is your nick) on every (re)connect;
                    or set HUBBUB_TOKEN, which other users cannot see in the process list
      --password PW the server's password (--password), given on every (re)connect
  -r, --room ROOM   a room to be in; repeat it for more; the first is the current room
                    (default: lobby; lobby is left when --room names only other rooms)
      --json        print the server's JSON frames, one per line (for jq); implies line mode
  -h, --help        show this help

Interactive keys: Enter sends; Tab completes commands, nicks and rooms; Up/Down recall what you
sent; Ctrl-C or Ctrl-D leaves. Type /help for the commands (/join, /msg, /me, /who, …).

Exit status: 0 after leaving normally; 1 when the server cannot be reached, refuses the sign-in,
the nick or a room, or (line mode) when a line could not be delivered (stderr says which); 2 for bad arguments.
More: docs/chat.md`;

export interface ChatOptions {
  readonly url: HubUrl;
  readonly nick?: string;
  readonly auth?: { readonly token: string } | { readonly password: string };
  readonly rooms: readonly string[];
  readonly json: boolean;
}

/** The command line is wrong; the message says how, in one line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parsed options, or 'help' when help was asked for. Throws UsageError (bad URLs included). */
export function parseChatArgs(argv: string[], env: NodeJS.ProcessEnv = {}): ChatOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        nick: { type: 'string', short: 'n' },
        token: { type: 'string' },
        password: { type: 'string' },
        room: { type: 'string', short: 'r', multiple: true },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length > 1) throw new UsageError(`expected at most one URL, got ${positionals.length} arguments`);
  let url: HubUrl;
  try {
    url = parseHubUrl(positionals[0] ?? DEFAULT_HUB_URL);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const token = values.token ?? env.HUBBUB_TOKEN;
  if (token !== undefined && values.password !== undefined) throw new UsageError('give --token or --password, not both');
  return {
    url,
    ...(values.nick !== undefined && { nick: values.nick }),
    ...(token !== undefined ? { auth: { token } } : values.password !== undefined && { auth: { password: values.password } }),
    rooms: values.room ?? [],
    json: values.json ?? false,
  };
}
