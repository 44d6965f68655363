/**
 * @module The frames a client receives, recognised against the wire's schema
 * (src/protocol/schema/server-frames.ts, by way of its shapes) leniently, as docs/protocol.md
 * promises: extra fields are ignored, and a value from a set the server may grow (an error code, a
 * leave reason) may be any string. A frame of an unknown type, or missing a field the schema
 * requires, or with a field of the wrong kind, is unrecognised, never trusted. Pure, with no Node
 * imports: the web page bundles it too.
 */
import { SERVER_FRAME_SHAPES, type Shape } from '../protocol/schema/frame-shapes.js';
import { PROTOCOL_VERSION, type ServerFrameOf, type ServerFrameType } from '../protocol/schema/server-frames.js';

/** A frame's type as a client may receive it: literal sets (other than `type`) opened up. */
type Lenient<T> = T extends string
  ? string
  : T extends boolean
    ? boolean
    : T extends readonly (infer E)[]
      ? Lenient<E>[]
      : T extends object
        ? { [K in keyof T]: K extends 'type' ? T[K] : Lenient<T[K]> }
        : T;

export type ServerFrame = { [T in ServerFrameType]: Lenient<ServerFrameOf<T>> }[ServerFrameType];
export type FrameOf<T extends ServerFrameType> = Extract<ServerFrame, { type: T }>;
export type WelcomeFrame = FrameOf<'welcome'>;
export type MessageFrame = FrameOf<'message'>;
export type HistoryFrame = FrameOf<'history'>;
export type ResumedFrame = FrameOf<'resumed'>;
export type ErrorFrame = FrameOf<'error'>;
export type { Ref } from '../protocol/schema/fields.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const KIND_LETTERS: Readonly<Record<string, string>> = { string: 's', number: 'n', boolean: 'b' };

function isArrayShape(shape: Shape): shape is readonly [Shape] {
  return Array.isArray(shape);
}

function fits(shape: Shape, value: unknown): boolean {
  if (typeof shape === 'string') return shape.includes(KIND_LETTERS[typeof value] ?? '-');
  if (isArrayShape(shape)) return Array.isArray(value) && value.every((item) => fits(shape[0], item));
  return (
    isObject(value) &&
    Object.entries(shape).every(([key, fieldShape]) => {
      const optional = key.endsWith('?');
      const field = value[optional ? key.slice(0, -1) : key];
      return field === undefined ? optional : fits(fieldShape, field);
    })
  );
}

/** The frame, when it is an object of a known type with every field the schema requires. */
export function recogniseFrame(value: unknown): ServerFrame | undefined {
  if (!isObject(value) || typeof value.type !== 'string' || !Object.hasOwn(SERVER_FRAME_SHAPES, value.type)) return undefined;
  return fits(SERVER_FRAME_SHAPES[value.type]!, value) ? (value as ServerFrame) : undefined;
}

function parseObject(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** A parsed frame, or undefined when the text is not a frame this client recognises. */
export function parseServerFrame(raw: string): ServerFrame | undefined {
  return recogniseFrame(parseObject(raw));
}

/**
 * Why this client cannot talk to the server that sent this welcome, or undefined when it can: the
 * server's protocol version is missing (it predates versions), older or newer than this client's.
 */
function protocolMismatch(welcome: Record<string, unknown>): string | undefined {
  const version = welcome.protocol;
  if (version === PROTOCOL_VERSION) return undefined;
  const known = typeof version === 'number';
  return `the server is too ${known && version > PROTOCOL_VERSION ? 'new' : 'old'} for this client: it speaks protocol ${known ? version : 'none'}, this client ${PROTOCOL_VERSION}`;
}

/**
 * One frame as received: the frame when recognised, and, for a welcome from a server of another
 * protocol version, why this client cannot talk to it (the frame is then not recognised).
 */
export function readServerFrame(raw: string): { readonly frame?: ServerFrame; readonly mismatch?: string } {
  const value = parseObject(raw);
  const mismatch = isObject(value) && value.type === 'welcome' ? protocolMismatch(value) : undefined;
  if (mismatch !== undefined) return { mismatch };
  const frame = recogniseFrame(value);
  return frame ? { frame } : {};
}
