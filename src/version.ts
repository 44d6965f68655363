/**
 * @module The version hubbub reports (`hubbub --version`, `/healthz`, the welcome): package.json's,
 * read once. The file sits one level above both src/ and dist/, so the same URL serves the
 * TypeScript sources under tsx and the built JavaScript.
 */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  if (typeof manifest.version !== 'string') throw new Error('package.json has no version');
  return manifest.version;
}

export const VERSION: string = readVersion();
