/**
 * @module The nicks of subjects who signed in on this node: no guest may take one (compared folded,
 * so no lookalike gets it), whether its owner is connected or not. Bounded: past the cap, the
 * subject seen longest ago is forgotten.
 */
import { nickKey } from './names.js';

export class ReservedNicks {
  private readonly keys = new Set<string>();

  constructor(private readonly max: number) {}

  reserve(subject: string): void {
    const key = nickKey(subject);
    // Deleted first so that a subject seen again counts as seen last.
    this.keys.delete(key);
    this.keys.add(key);
    if (this.keys.size > this.max) this.keys.delete(this.keys.values().next().value!);
  }

  /** Whether `nick` is some subject's; `owner` (the session's own subject, if any) is exempt. */
  reserved(nick: string, owner: string | undefined): boolean {
    const key = nickKey(nick);
    return this.keys.has(key) && (owner === undefined || nickKey(owner) !== key);
  }
}
