/** @module Picks and opens the configured RoomLog. */
import { join } from 'node:path';
import type { ServeConfig } from '../config/options.js';
import type { RoomLog } from '../core/room-log.js';
import { MemoryRoomLog } from './memory-room-log.js';
import { SqliteRoomLog } from './sqlite-room-log.js';

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
