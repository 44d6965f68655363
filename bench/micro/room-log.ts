/**
 * @module Microbenchmark of the room log alone: the cost of appending and committing one message,
 * in µs, for each store and batch size (messages per commit), on a real database file.
 * `node --import tsx bench/micro/room-log.ts [messages]` (default 200,000 per batch size).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RoomLog } from '../../src/core/room-log.js';
import { MemoryRoomLog } from '../../src/store/memory-room-log.js';
import { SqliteRoomLog } from '../../src/store/sqlite-room-log.js';

const BATCH_SIZES = [5, 20, 40, 100];
/** The benchmark's message text: a marker and padding to 64 bytes. */
const TEXT = '~B3.12345.1234567890123~ ' + 'x'.repeat(39);

function microsPerMessage(log: RoomLog, messages: number, batch: number): number {
  const started = process.hrtime.bigint();
  for (let done = 0; done < messages; done += batch) {
    for (let i = 0; i < batch; i++) log.append({ room: 'lobby', from: 'guest-12', fromId: 12, text: TEXT, ts: Date.now() });
    log.commit();
  }
  return Number(process.hrtime.bigint() - started) / 1000 / messages;
}

const messages = Number(process.argv[2] ?? 200_000);
const retention = { maxMessages: 10_000, maxAgeMs: 0 };
process.stdout.write(`µs per message (append + commit), ${messages.toLocaleString('en-US')} messages per cell\n`);
process.stdout.write(`${'store'.padEnd(8)}${BATCH_SIZES.map((b) => `${b}/commit`.padStart(12)).join('')}\n`);
for (const store of ['memory', 'sqlite'] as const) {
  const cells = BATCH_SIZES.map((batch) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hubbub-micro-'));
    const log = store === 'memory' ? new MemoryRoomLog(retention) : new SqliteRoomLog(path.join(dir, 'hubbub.db'), retention);
    try {
      return microsPerMessage(log, messages, batch);
    } finally {
      log.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  process.stdout.write(`${store.padEnd(8)}${cells.map((us) => us.toFixed(2).padStart(12)).join('')}\n`);
}
