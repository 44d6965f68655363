/** @module Rooms people run, set up for a test: a WebSocket client that creates a room and gives it a key. */
import { isType, WsClient } from './clients.js';

/** Creates `room` (its operator, then) and sets its key; the keeper stays in it to see who joins. */
export async function keyedRoom(httpPort: number, room: string, key: string): Promise<WsClient> {
  const keeper = await WsClient.connect(httpPort);
  keeper.send({ type: 'join', room, ref: 'j' });
  await keeper.frames.next(isType('joined', { ref: 'j', role: 'operator' }));
  keeper.send({ type: 'key', room, key, ref: 'k' });
  await keeper.frames.next(isType('modes', { ref: 'k', keyed: true }));
  return keeper;
}
