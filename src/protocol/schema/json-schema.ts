/**
 * @module The published JSON Schema of the wire (docs/protocol.schema.json): every frame of both
 * directions, as declared in client-frames.ts and server-frames.ts. `npm run build` writes the file
 * (scripts/write-protocol-schema.mjs) and a test fails when it is stale.
 */
import { CLIENT_FRAMES } from './client-frames.js';
import { PROTOCOL_VERSION, SERVER_FRAMES } from './server-frames.js';

function refs(prefix: string, frames: Record<string, unknown>): { $ref: string }[] {
  return Object.keys(frames).map((type) => ({ $ref: `#/definitions/${prefix}-${type}` }));
}

function definitions(prefix: string, frames: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(frames).map(([type, schema]) => [`${prefix}-${type}`, schema]));
}

/** The document, as plain JSON (TypeBox's own markers are symbols, which JSON leaves out). */
export function protocolJsonSchema(): unknown {
  return JSON.parse(
    JSON.stringify({
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: `The hubbub protocol, version ${PROTOCOL_VERSION}`,
      description:
        'Every JSON frame of the hubbub protocol (docs/protocol.md). A frame is one JSON object; `type` says which. Generated from src/protocol/schema/ by `npm run build`: do not edit by hand.',
      definitions: {
        ClientFrame: { description: 'A frame a client sends.', anyOf: refs('client', CLIENT_FRAMES) },
        ServerFrame: { description: 'A frame the server sends.', anyOf: refs('server', SERVER_FRAMES) },
        ...definitions('client', CLIENT_FRAMES),
        ...definitions('server', SERVER_FRAMES),
      },
      anyOf: [{ $ref: '#/definitions/ClientFrame' }, { $ref: '#/definitions/ServerFrame' }],
    }),
  );
}
