/**
 * @module How a benchmark client talks to each kind of server: the handshake up to "ready" (and
 * "joined" when asked to join a room), the payload that says a text in the bench room, and the
 * answer to an application keep-alive. Pure: no sockets here.
 */

export type ProtocolName = 'naive-net' | 'hubbub-text' | 'hubbub-json-tcp' | 'json-ws' | 'socketio';

/** Every server starts every client in this room (the naive servers have no other). */
const BENCH_ROOM = 'lobby';

/** A handshake fed one line or frame payload at a time; messages it does not wait for are skipped. */
export interface Handshake {
  readonly done: boolean;
  /** Returns a payload to send in answer, if any. */
  step(message: string): string | undefined;
}

export interface ClientProtocol {
  readonly name: ProtocolName;
  readonly transport: 'tcp' | 'ws';
  /** The upgrade path on the HTTP port (WebSocket protocols). */
  readonly path: string;
  /** `join`: a room to join with an acknowledgement before the client counts as ready. */
  handshake(join: string | undefined): Handshake;
  /** The payload (a line without its newline, or a frame's text) that says `text` in BENCH_ROOM. */
  readonly say: (text: string) => string;
  /** The answer to an application-level keep-alive probe, when `payload` is one. */
  keepAlive(payload: Buffer, start: number, end: number): string | undefined;
}

interface Step {
  until(message: string): boolean;
  then?(message: string): string | undefined;
}

class StepHandshake implements Handshake {
  private index = 0;
  constructor(private readonly steps: readonly Step[]) {}

  get done(): boolean {
    return this.index >= this.steps.length;
  }

  step(message: string): string | undefined {
    const current = this.steps[this.index];
    if (!current?.until(message)) return undefined;
    this.index++;
    return current.then?.(message);
  }
}

const JOIN_REF = 'j';
const joinJson = (room: string): string => JSON.stringify({ type: 'join', room, ref: JOIN_REF });
const isJoinAck = (m: string): boolean => m.includes(`"ref":"${JOIN_REF}"`);
const sayJson = (text: string): string => `{"type":"say","room":"${BENCH_ROOM}","text":${JSON.stringify(text)}}`;
const noKeepAlive = (): undefined => undefined;

/** The classic chat server has one room and no commands: its welcome line means joined. */
const naiveNet: ClientProtocol = {
  name: 'naive-net',
  transport: 'tcp',
  path: '',
  handshake: () => new StepHandshake([{ until: (m) => m.startsWith('Welcome') }]),
  say: (text) => text,
  keepAlive: noKeepAlive,
};

const hubbubText: ClientProtocol = {
  name: 'hubbub-text',
  transport: 'tcp',
  path: '',
  handshake(join) {
    let id = '';
    const steps: Step[] = [
      {
        until: (m) => m.includes('Welcome to'),
        then(m) {
          id = /connection #(\d+)/.exec(m)?.[1] ?? '';
          return join === undefined ? undefined : `/join ${join}`;
        },
      },
    ];
    // Others' join notices look alike, so wait for the one naming this connection's id.
    if (join !== undefined) steps.push({ until: (m) => m.includes(`(#${id}) joined #${join}`) });
    return new StepHandshake(steps);
  },
  say: (text) => text,
  keepAlive: noKeepAlive,
};

const hubbubJsonTcp: ClientProtocol = {
  name: 'hubbub-json-tcp',
  transport: 'tcp',
  path: '',
  handshake(join) {
    const steps: Step[] = [
      { until: (m) => m.includes('Welcome to'), then: () => '/json' },
      { until: (m) => m.includes('"type":"welcome"'), then: () => (join === undefined ? undefined : joinJson(join)) },
    ];
    if (join !== undefined) steps.push({ until: isJoinAck });
    return new StepHandshake(steps);
  },
  say: sayJson,
  keepAlive: noKeepAlive,
};

/** hubbub's JSON over WebSocket; the naive ws and uWS baselines speak the same frames. */
const jsonWs: ClientProtocol = {
  name: 'json-ws',
  transport: 'ws',
  path: '/ws',
  handshake(join) {
    const steps: Step[] = [{ until: (m) => m.includes('"type":"welcome"'), then: () => (join === undefined ? undefined : joinJson(join)) }];
    if (join !== undefined) steps.push({ until: isJoinAck });
    return new StepHandshake(steps);
  },
  say: sayJson,
  keepAlive: noKeepAlive,
};

const SIO_PING = 0x32; // "2"

/** Engine.IO 4 over a bare WebSocket: open packet, namespace connect, events `42[...]`, acks `43N[...]`. */
const socketIo: ClientProtocol = {
  name: 'socketio',
  transport: 'ws',
  path: '/socket.io/?EIO=4&transport=websocket',
  handshake(join) {
    const steps: Step[] = [
      { until: (m) => m.startsWith('0{'), then: () => '40' },
      { until: (m) => m.startsWith('42["welcome"'), then: () => (join === undefined ? undefined : `420${JSON.stringify(['join', join])}`) },
    ];
    if (join !== undefined) steps.push({ until: (m) => m.startsWith('430') });
    return new StepHandshake(steps);
  },
  say: (text) => `42${JSON.stringify(['say', { room: BENCH_ROOM, text }])}`,
  keepAlive: (payload, start, end) => (end - start === 1 && payload[start] === SIO_PING ? '3' : undefined),
};

export const PROTOCOLS: Readonly<Record<ProtocolName, ClientProtocol>> = {
  'naive-net': naiveNet,
  'hubbub-text': hubbubText,
  'hubbub-json-tcp': hubbubJsonTcp,
  'json-ws': jsonWs,
  socketio: socketIo,
};
