/** @module The `hubbub` command: dispatches to a subcommand. */
import { bench } from './bench.js';
import { chat } from './chat.js';
import { config } from './config.js';
import { serve } from './serve.js';
import { token } from './token.js';
import { VERSION } from '../version.js';

const USAGE = `Usage: hubbub <command> [options]

Commands:
  serve     start the chat server (hubbub serve --help)
  chat      the terminal chat client (hubbub chat --help)
  bench     load benchmark against baseline servers (hubbub bench --help)
  config    print the example configuration file, or check one (hubbub config --help)
  token     print a sign-in token for the configured --auth-secret (hubbub token --help)
  version   print the version (also: hubbub --version)
  help      show this help

Run "hubbub <command> --help" for a command's options.`;

type Command = (argv: string[]) => Promise<number>;

function version(): Promise<number> {
  process.stdout.write(`hubbub ${VERSION}\n`);
  return Promise.resolve(0);
}

const COMMANDS: Record<string, Command> = { serve, chat, bench, config, token, version, '--version': version };

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`hubbub: unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`hubbub: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
