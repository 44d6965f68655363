/**
 * @module Reads a configuration file (YAML, or JSON, which YAML reads too): a mapping from option
 * names (the flags' names, as in hubbub.example.yaml) to values. Every error names the file and
 * the line, so an operator can go straight to it.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isNode, isScalar, parseDocument } from 'yaml';
import { CONFIG_ENV, CONFIG_FLAG, OPTIONS, resolveConfig, type FileEntry, type ServeConfig } from './options.js';

const KNOWN_KEYS = new Set(OPTIONS.map((spec) => spec.flag));

/** The file's entries by option name; throws an Error of one line, `file:line: what is wrong`. */
export function readConfigFile(path: string): Map<string, FileEntry> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the configuration file ${path}: ${(err as Error).message}`);
  }
  return parseConfigText(text, path);
}

export function parseConfigText(text: string, path: string): Map<string, FileEntry> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const line = (offset: number | undefined): number => (offset === undefined ? 1 : lines.linePos(offset).line);
  const [error] = doc.errors;
  if (error) throw new Error(`${path}:${line(error.pos[0])}: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  const entries = new Map<string, FileEntry>();
  // An empty file (or one of comments only) sets nothing.
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return entries;
  if (!isMap(doc.contents)) throw new Error(`${path}:${line(doc.contents.range?.[0])}: expected a mapping of option names to values`);
  for (const pair of doc.contents.items) {
    const keyNode = pair.key;
    const at = `${path}:${line(isNode(keyNode) ? keyNode.range?.[0] : undefined)}`;
    const key = isScalar(keyNode) ? keyNode.value : keyNode;
    if (typeof key !== 'string' || !KNOWN_KEYS.has(key)) {
      const shown = typeof key === 'string' ? key : JSON.stringify(isNode(key) ? key.toJSON() : key);
      throw new Error(`${at}: unknown key "${shown}" (hubbub config --example lists every key)`);
    }
    const value: unknown = isNode(pair.value) ? pair.value.toJS(doc) : pair.value;
    entries.set(key, { value, at });
  }
  return entries;
}

/**
 * The configuration from every source: flags, then HUBBUB_* variables, then the file named by
 * `--config` or HUBBUB_CONFIG (if any), then the defaults. Throws one line on any bad value.
 */
export function loadConfig(flags: Record<string, string | undefined>, env: NodeJS.ProcessEnv): ServeConfig {
  const path = flags[CONFIG_FLAG] ?? env[CONFIG_ENV];
  return resolveConfig(flags, env, path === undefined || path === '' ? new Map() : readConfigFile(path));
}
