/**
 * @module The checkpoint worker: a second connection to the history database that, on a timer,
 * copies what the main thread has committed from the WAL into the database file. PASSIVE never
 * waits for the writer and never holds it up; when it has caught up, the writer's next commit
 * starts the WAL over from its beginning, so the file stays small.
 */
import { workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CheckpointerData } from './wal-checkpointer.js';

const { path, intervalMs } = workerData as CheckpointerData;
const db = new Database(path);
db.pragma('busy_timeout = 1000');

setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), intervalMs);
