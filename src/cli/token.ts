/** @module `hubbub token`: prints a token signed with the configured --auth-secret. */
import { parseArgs } from 'node:util';
import { mintToken, parseTtl } from '../auth/mint-token.js';
import { loadConfig } from '../config/config-file.js';
import { CONFIG_FLAG, OPTIONS } from '../config/options.js';

export const TOKEN_USAGE = `Usage: hubbub token --sub <nick> [--rooms a,b] [--ops a,b|*] [--ttl 1h] [--config <file>]

Prints a token (a JWT) signed with the server's --auth-secret, read as hubbub serve reads it (a
flag, its HUBBUB_* variable, or the configuration file), with its --auth-audience and
--auth-issuer. Hand it to the user: /auth <token> in a terminal, an auth frame, or /ws?token=.

  --sub <nick>     the subject: the nick it signs in as (reserved against guests)
  --rooms <list>   the only rooms it may join (comma-separated); default: any
  --ops <list>     rooms it operates (comma-separated), or '*' (quoted) for every room
  --ttl <time>     how long it is valid: 90s, 15m, 1h, 7d; default: it never expires
  -h, --help       show this help

Any hubbub serve option (--auth-secret, --config, …) is accepted too.`;

function list(text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : text.split(',').map((room) => room.trim()).filter((room) => room !== '');
}

export async function token(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h' },
      sub: { type: 'string' },
      rooms: { type: 'string' },
      ops: { type: 'string' },
      ttl: { type: 'string' },
      [CONFIG_FLAG]: { type: 'string' },
      ...Object.fromEntries(OPTIONS.map((o) => [o.flag, { type: 'string' as const }])),
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help || values.sub === undefined) {
    process.stdout.write(TOKEN_USAGE + '\n');
    return values.help ? 0 : 2;
  }
  const config = loadConfig(values as Record<string, string | undefined>, process.env);
  if (config.authSecret === '') throw new Error('hubbub token signs with --auth-secret, and none is set (with --auth-jwks-file, tokens come from whoever holds the private key)');
  const ops = values.ops?.trim() === '*' ? '*' : list(values.ops);
  const rooms = list(values.rooms);
  const signed = await mintToken(config.authSecret, {
    subject: values.sub,
    ...(rooms && { rooms }),
    ...(ops && { ops }),
    ...(values.ttl !== undefined && { ttlSeconds: parseTtl(values.ttl) }),
    audience: config.authAudience,
    issuer: config.authIssuer,
  });
  process.stdout.write(signed + '\n');
  return 0;
}
