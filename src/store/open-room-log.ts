/** @module Picks and opens the configured RoomLog, and the store of rooms' rules that goes with it. */
import { join } from 'node:path';
import type { ServeConfig } from '../config/options.js';
import type { RoomLog } from '../core/room-log.js';
import { MemoryRoomRules, type RoomRulesStore } from '../core/room-rules-store.js';
import { MemoryRoomLog } from './memory-room-log.js';
import { SqliteRoomLog } from './sqlite-room-log.js';
import { SqliteRoomRules } from './sqlite-room-rules.js';

export const DATABASE_FILE = 'hubbub.db';

/** Throws a one-line, user-facing error when the store cannot be opened. */
export function openRoomLog(config: ServeConfig): RoomLog {
  const retention = { maxMessages: config.limits.retentionMessages, maxAgeMs: config.limits.retentionAgeMs };
  const { roomsInMemory } = config.limits;
  if (roomsInMemory < 1) throw new Error('--rooms-in-memory must be at least 1');
  if (config.store === 'memory') {
    if (retention.maxMessages <= 0) throw new Error('--store memory needs --retention-messages above 0 (memory must stay bounded)');
    return new MemoryRoomLog(retention, roomsInMemory, config.limits.memoryStoreBytes);
  }
  return new SqliteRoomLog(join(config.dataDir, DATABASE_FILE), retention, roomsInMemory);
}

/** Rooms' rules live where their history does: in the SQLite file, or in memory with a memory log. */
export function openRoomRules(log: RoomLog): RoomRulesStore {
  return log instanceof SqliteRoomLog ? new SqliteRoomRules(log.db) : new MemoryRoomRules();
}
