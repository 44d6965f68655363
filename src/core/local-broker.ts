/**
 * @module The broker of one node: the local room log (memory or SQLite). Publishing appends (the
 * log assigns the seq) and hands the message straight back for fan-out, inside the caller's turn;
 * it is stored when the hub commits, before anything is written to a socket.
 */
import type { Broker, BrokerListener } from './broker.js';
import type { RoomMessage } from './events.js';
import type { HistoryPage, HistoryQuery, RoomLog } from './room-log.js';

export class LocalBroker implements Broker {
  readonly storesOnCommit = true;

  constructor(
    private readonly log: RoomLog,
    private readonly listener: Pick<BrokerListener, 'publication'>,
  ) {}

  get epoch(): string {
    return this.log.epoch;
  }

  publish(message: Omit<RoomMessage, 'seq'>, done: (result: RoomMessage | Error) => void): void {
    let stored: RoomMessage;
    try {
      stored = this.log.append(message);
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    done(stored);
    this.listener.publication(stored);
  }

  /** Every room is "subscribed": the log is here. */
  subscribe(room: string): number {
    return this.log.lastSeq(room);
  }

  unsubscribe(): void {}

  lastDelivered(room: string): number {
    return this.log.lastSeq(room);
  }

  read(room: string, query: HistoryQuery): HistoryPage {
    return this.log.read(room, query);
  }

  firstSeq(room: string): number {
    return this.log.firstSeq(room);
  }

  lastSeq(room: string): number {
    return this.log.lastSeq(room);
  }

  commit(): void {
    this.log.commit();
  }

  prune(now: number): void {
    this.log.prune(now);
  }

  close(): void {
    this.log.close();
  }
}
