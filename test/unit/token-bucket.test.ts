import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullBucket, takeToken } from '../../src/core/token-bucket.js';

test('a burst passes, then the sustained rate, with an injected clock', () => {
  const rate = { burst: 3, ratePerSecond: 2 };
  let now = 0;
  const state = fullBucket(rate, now);
  const take = (): boolean => takeToken(state, rate, now);
  assert.deepEqual([take(), take(), take(), take()], [true, true, true, false]);
  now += 499;
  assert.equal(take(), false, 'just under one token refilled');
  now += 1;
  assert.equal(take(), true, 'one token after 500 ms at 2/s');
  now += 10_000;
  assert.deepEqual([take(), take(), take(), take()], [true, true, true, false], 'refill caps at the burst');
});

test('burst 0 turns flood control off', () => {
  const rate = { burst: 0, ratePerSecond: 0 };
  const state = fullBucket(rate, 0);
  for (let i = 0; i < 10_000; i++) assert.equal(takeToken(state, rate, 0), true);
});
