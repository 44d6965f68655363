/** @module The room log implementations as the contract tests open them, and a way to make each refuse a commit. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Retention, RoomLog } from '../../src/core/room-log.js';
import { MemoryRoomLog } from '../../src/store/memory-room-log.js';
import { SqliteRoomLog } from '../../src/store/sqlite-room-log.js';

export type StoreKind = 'memory' | 'sqlite';
export const STORE_KINDS: readonly StoreKind[] = ['memory', 'sqlite'];

/** A memory store whose commit can be told to fail, as a store's write can (the memory store's never does). */
export class FallibleMemoryRoomLog extends MemoryRoomLog {
  refusing = false;

  protected override persist(): void {
    if (this.refusing) throw new Error('the test refused this commit');
  }
}

/** A fresh database file in its own temporary directory, and a way to remove it. */
export function tempDatabase(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'hubbub-contract-'));
  return { path: join(dir, 'hubbub.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Opens a store of the kind; a SQLite store reopens `path` if given, else a new file. */
export function openStore(kind: StoreKind, retention: Retention, roomsInMemory?: number, path = tempDatabase().path): RoomLog {
  return kind === 'memory' ? new FallibleMemoryRoomLog(retention, roomsInMemory) : new SqliteRoomLog(path, retention, roomsInMemory);
}

/**
 * Commits while the store refuses to write (SQLite: `PRAGMA query_only`, so every write of the
 * transaction fails as on a read-only file) and returns what the commit threw, if anything.
 */
export function refusedCommit(log: RoomLog): unknown {
  const refuse = (on: boolean): void => {
    if (log instanceof SqliteRoomLog) log.db.pragma(`query_only = ${on ? 1 : 0}`);
    else if (log instanceof FallibleMemoryRoomLog) log.refusing = on;
    else throw new Error('this store cannot be made to refuse a commit');
  };
  refuse(true);
  try {
    log.commit();
    return undefined;
  } catch (err) {
    return err;
  } finally {
    refuse(false);
  }
}
