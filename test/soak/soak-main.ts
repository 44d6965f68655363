/**
 * @module `npm run soak`: the long soak. Churns client slots through the real binary for
 * `--seconds` (HUBBUB_SOAK_SECONDS, default 300), then checks it is back to its baseline and lost
 * nothing. Exits 1 on a breach.
 */
import { parseArgs } from 'node:util';
import { formatSoakReport, runSoak } from './soak.js';

const USAGE = `Usage: npm run soak -- [options]

Churns thousands of connections (TCP text, TCP JSON, WebSocket) through a fresh hubbub serve
process (npm run soak builds first), then checks sessions, rooms, descriptors, RSS, the log and
that every message any client saw is in history.

  --seconds <n>    how long clients churn (env HUBBUB_SOAK_SECONDS; default 300)
  --rounds <n>     churn rounds; after each everyone leaves and the server is measured (default 3)
  --slots <n>      clients living at once (default 400)
  --rooms <n>      rooms they chat in (default 40)
  --firehose <n>   clients keeping the slow readers' room busy, 800 KB/s each (default 2)
  --store <s>      sqlite or memory (default sqlite)
  -h, --help       this help`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      slots: { type: 'string' },
      rooms: { type: 'string' },
      firehose: { type: 'string' },
      store: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const store = values.store ?? 'sqlite';
  if (store !== 'sqlite' && store !== 'memory') throw new Error(`--store: sqlite or memory, not ${store}`);
  const report = await runSoak({
    seconds: Number(values.seconds ?? process.env.HUBBUB_SOAK_SECONDS ?? 300),
    rounds: Number(values.rounds ?? 3),
    slots: Number(values.slots ?? 400),
    rooms: Number(values.rooms ?? 40),
    firehoseSenders: Number(values.firehose ?? 2),
    store,
    log: (line) => console.log(line),
  });
  console.log(formatSoakReport(report));
  return report.violation ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err);
    process.exitCode = 2;
  },
);
