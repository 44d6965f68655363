/** @module Comparing a secret a client sent with ours, in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Compares digests, so neither the answer's timing nor the lengths say anything about the secret. */
export function sameSecret(given: string, secret: string): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(secret).digest());
}
