import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from '../../src/core/token-bucket.js';

test('a burst passes, then the sustained rate, with an injected clock', () => {
  let now = 0;
  const bucket = new TokenBucket(3, 2, () => now);
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
  now += 499;
  assert.equal(bucket.take(), false, 'just under one token refilled');
  now += 1;
  assert.equal(bucket.take(), true, 'one token after 500 ms at 2/s');
  now += 10_000;
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false], 'refill caps at the burst');
});

test('burst 0 turns flood control off', () => {
  const bucket = new TokenBucket(0, 0, () => 0);
  for (let i = 0; i < 10_000; i++) assert.equal(bucket.take(), true);
});
