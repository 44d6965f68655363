/**
 * @module The server's frames as a client recognises them: each schema of server-frames.ts reduced
 * to its shape, the little a lenient check needs. The page bundles these shapes rather than the
 * schemas (scripts/build-web.mjs), and src/clients/server-frames.ts checks frames against them.
 *
 * A shape is a kind (`"s"` string, `"n"` number, `"b"` boolean, or several letters for any of
 * them), `[shape]` for an array, or an object of field → shape, where a key ending in `?` is an
 * optional field. A literal, or a set of literals, is only its kind: a newer server may send a
 * value (an error code, a leave reason) this client has not heard of.
 */
import type { TSchema } from '@sinclair/typebox';
import { SERVER_FRAMES } from './server-frames.js';

export type Shape = string | readonly [Shape] | { readonly [field: string]: Shape };

const KINDS: Readonly<Record<string, string>> = { string: 's', integer: 'n', number: 'n', boolean: 'b' };

function shapeOf(schema: TSchema): Shape {
  if (schema.const !== undefined) return KINDS[typeof schema.const]!;
  if (schema.anyOf) {
    const kinds = (schema.anyOf as TSchema[]).map(shapeOf);
    if (!kinds.every((kind) => typeof kind === 'string')) throw new Error('a shape has no union of arrays or objects');
    return [...new Set(kinds.join(''))].join('');
  }
  if (schema.type === 'array') return [shapeOf(schema.items as TSchema)];
  if (schema.type === 'object') {
    const required = new Set((schema.required ?? []) as string[]);
    return Object.fromEntries(
      Object.entries(schema.properties as Record<string, TSchema>).map(([field, fieldSchema]) => [required.has(field) ? field : `${field}?`, shapeOf(fieldSchema)]),
    );
  }
  const kind = KINDS[schema.type as string];
  if (kind === undefined) throw new Error(`a shape has no kind for ${String(schema.type)}`);
  return kind;
}

/** Each frame type's shape, without `type` itself (the recogniser picks the shape by it). */
export const SERVER_FRAME_SHAPES: Readonly<Record<string, Shape>> = Object.fromEntries(
  Object.entries(SERVER_FRAMES).map(([type, schema]) => {
    const fields: Record<string, Shape> = { ...(shapeOf(schema) as Record<string, Shape>) };
    delete fields.type;
    return [type, fields];
  }),
);
