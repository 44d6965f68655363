import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMANDS, commandForJsonType, commandForTextVerb } from '../../src/core/commands/table.js';

test('every command has syntax and help, and verbs are unique', () => {
  const verbs = new Set<string>();
  for (const spec of COMMANDS) {
    assert.ok(spec.syntax.startsWith(`/${spec.name}`), spec.name);
    assert.ok(spec.help.length > 10, spec.name);
    for (const verb of [spec.name, ...(spec.aliases ?? [])]) {
      assert.ok(!verbs.has(verb), `verb ${verb} used twice`);
      verbs.add(verb);
    }
  }
});

test('the JSON contract types and the text verbs resolve', () => {
  for (const type of ['nick', 'join', 'part', 'say', 'whisper', 'who', 'rooms', 'ping', 'help', 'quit']) {
    assert.equal(commandForJsonType(type)?.name, type);
  }
  assert.equal(commandForTextVerb('MSG')?.name, 'whisper');
  assert.equal(commandForTextVerb('me')?.name, 'me');
  assert.equal(commandForJsonType('me'), undefined);
});

test("each command's syntax shows its text arguments, optional ones in brackets", () => {
  for (const spec of COMMANDS) {
    const shown = spec.syntax.split(' ').slice(1);
    assert.deepEqual(
      shown.map((word) => word.startsWith('[')),
      spec.args.map((arg) => arg.optional === true),
      spec.name,
    );
    if (spec.restOfLine) assert.ok(spec.args.length > 0, spec.name);
  }
});
