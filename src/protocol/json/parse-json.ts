/** @module JSON mode, inbound: one JSON object becomes a command, or an error with a stable code. */
import { FIELD_KINDS, type FieldKind, type Params } from '../../core/commands/command-spec.js';
import { commandForJsonType } from '../../core/commands/table.js';
import type { Decoded } from '../../core/conn.js';
import { echo, HubError } from '../../core/errors.js';
import type { Ref } from '../../core/events.js';
import { JSON_MAX_DEPTH, REF_MAX_CHARS } from '../../core/limits.js';
import { nestsDeeperThan } from './json-depth.js';

const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];

function hasForbiddenKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.includes(key)) return true;
    if (hasForbiddenKey((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

function checkRef(value: unknown): Ref | undefined | HubError {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.length <= REF_MAX_CHARS) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return new HubError('bad_field', `"ref" must be a string of at most ${REF_MAX_CHARS} characters or a number`);
}

const KIND_NAMES: Record<FieldKind, string> = {
  string: 'a string',
  boolean: 'true or false',
  integer: 'a whole number from 0',
  seqmap: 'an object of room names to whole numbers from 0',
};

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function hasKind(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'string':
    case 'boolean':
      return typeof value === kind;
    case 'integer':
      return isCount(value);
    case 'seqmap':
      return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(isCount);
  }
}

export function parseJsonFrame(line: string): Decoded {
  // Checked before parsing, so no walk over the value (ours or the parser's) can run out of stack.
  if (nestsDeeperThan(line, JSON_MAX_DEPTH)) {
    return { ok: false, error: new HubError('bad_frame', `frame nests objects or arrays more than ${JSON_MAX_DEPTH} deep`) };
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, error: new HubError('bad_json') };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: new HubError('bad_frame') };
  }
  const frame = value as Record<string, unknown>;
  const ref = checkRef(frame.ref);
  if (ref instanceof HubError) return { ok: false, error: ref };
  const withRef = ref === undefined ? {} : { ref };
  // The cheap substring test keeps the deep walk off the common path.
  if (/__proto__|constructor|prototype/.test(line) && hasForbiddenKey(value)) {
    return { ok: false, error: new HubError('forbidden_key'), ...withRef };
  }
  if (typeof frame.type !== 'string') return { ok: false, error: new HubError('bad_frame'), ...withRef };
  const spec = commandForJsonType(frame.type);
  if (!spec) {
    return { ok: false, error: new HubError('unknown_type', `unknown frame type "${echo(frame.type)}"`), ...withRef };
  }
  const params: Params = {};
  for (const { field, optional, textOnly } of spec.fields) {
    if (textOnly) continue;
    const fieldValue = frame[field];
    if (fieldValue === undefined || fieldValue === null) {
      if (optional) continue;
      return { ok: false, error: new HubError('bad_field', `"${spec.name}" needs the field "${field}"`), ...withRef };
    }
    const kind = FIELD_KINDS[field];
    if (!hasKind(fieldValue, kind)) {
      return { ok: false, error: new HubError('bad_field', `"${field}" must be ${KIND_NAMES[kind]}`), ...withRef };
    }
    (params as Record<string, unknown>)[field] = fieldValue;
  }
  return { ok: true, spec, params, ...withRef };
}
