/** @module `hubbub chat`: the terminal client, interactive on a terminal, line by line otherwise. */
import { CHAT_USAGE, parseChatArgs, UsageError } from './chat-args.js';
import { runLines } from './chat-lines.js';
import { runInteractive } from './chat-tty.js';

export async function chat(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseChatArgs(argv, process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`hubbub chat: ${err.message} (hubbub chat --help)\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(CHAT_USAGE + '\n');
    return 0;
  }
  const interactive = !options.json && process.stdin.isTTY === true && process.stdout.isTTY === true;
  return interactive ? runInteractive(options) : runLines(options);
}
