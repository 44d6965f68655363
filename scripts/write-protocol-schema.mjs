/**
 * @module Writes docs/protocol.schema.json from the wire's schema (src/protocol/schema/, as tsc
 * built it into dist/). Run by `npm run build`; test/unit/protocol-schema.test.ts fails when the
 * file is stale.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

try {
  const { protocolJsonSchema } = await import(pathToFileURL(path.join(root, 'dist', 'protocol', 'schema', 'json-schema.js')).href);
  await writeFile(path.join(root, 'docs', 'protocol.schema.json'), JSON.stringify(protocolJsonSchema(), null, 2) + '\n');
  process.stdout.write('docs/protocol.schema.json written\n');
} catch (err) {
  process.stderr.write(`write-protocol-schema failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
