import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSplitter } from '../../src/transports/tcp/line-splitter.js';

function collect(max: number) {
  const lines: string[] = [];
  let overflows = 0;
  const splitter = new LineSplitter(max, {
    line: (bytes) => lines.push(bytes.toString('utf8')),
    overflow: () => overflows++,
  });
  return { splitter, lines, overflows: () => overflows };
}

test('LF and CR LF both end a line; the CR is not part of it', () => {
  const { splitter, lines } = collect(100);
  splitter.push(Buffer.from('one\ntwo\r\nthree\r\n'));
  assert.deepEqual(lines, ['one', 'two', 'three']);
});

test('a multi-byte character split across chunks arrives whole', () => {
  const { splitter, lines } = collect(100);
  const bytes = Buffer.from('你好 😀\n');
  for (let i = 0; i < bytes.length; i++) splitter.push(bytes.subarray(i, i + 1));
  assert.deepEqual(lines, ['你好 😀']);
});

test('an over-long line is reported once, the rest of it is discarded, the next line is fine', () => {
  const { splitter, lines, overflows } = collect(10);
  splitter.push(Buffer.from('0123456789ABC'));
  splitter.push(Buffer.from('DEFGHIJ'));
  splitter.push(Buffer.from('KLM\nok\n'));
  assert.equal(overflows(), 1);
  assert.deepEqual(lines, ['ok']);
});

test('a line of exactly the cap passes, with or without CR', () => {
  const { splitter, lines, overflows } = collect(5);
  splitter.push(Buffer.from('12345\n12345\r\n123456\n'));
  assert.deepEqual(lines, ['12345', '12345']);
  assert.equal(overflows(), 1);
});

test('end() emits a last line that had no newline', () => {
  const { splitter, lines } = collect(100);
  splitter.push(Buffer.from('a\nlast'));
  splitter.end();
  assert.deepEqual(lines, ['a', 'last']);
});

test('empty lines are lines', () => {
  const { splitter, lines } = collect(100);
  splitter.push(Buffer.from('\n\r\nx\n'));
  assert.deepEqual(lines, ['', '', 'x']);
});
