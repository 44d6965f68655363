/**
 * @module RoomRulesStore in SQLite: one row per room whose rules differ from a new room's, in the
 * history database (the same file, so a room's rules and its messages live and go together).
 * Rules change rarely, so each save is its own small statement, committed at once.
 */
import type Database from 'better-sqlite3';
import { parseRules, type RoomRules } from '../core/room-rules.js';
import type { RoomRulesStore } from '../core/room-rules-store.js';

export class SqliteRoomRules implements RoomRulesStore {
  private readonly statements;

  constructor(db: Database.Database) {
    // rules: the room's RoomRules as JSON.
    db.exec('CREATE TABLE IF NOT EXISTS room_rules (room TEXT PRIMARY KEY, rules TEXT NOT NULL) WITHOUT ROWID');
    this.statements = {
      load: db.prepare<[string], { rules: string }>('SELECT rules FROM room_rules WHERE room = ?'),
      save: db.prepare<[string, string]>('INSERT INTO room_rules (room, rules) VALUES (?, ?) ON CONFLICT (room) DO UPDATE SET rules = excluded.rules'),
      forget: db.prepare<[string]>('DELETE FROM room_rules WHERE room = ?'),
    };
  }

  load(room: string): RoomRules | undefined {
    const row = this.statements.load.get(room);
    return row === undefined ? undefined : parseRules(row.rules);
  }

  save(room: string, rules: RoomRules | undefined): void {
    if (rules === undefined) this.statements.forget.run(room);
    else this.statements.save.run(room, JSON.stringify(rules));
  }
}
