/** @module How a presence notice reads, for the clients that print it as text (text mode, hubbub chat). */

/** Names a line lists before saying how many more. */
const LISTED_NAMES = 10;

/** Names on one line: the first ten, then how many more. */
export function listNames(names: readonly string[]): string {
  const listed = names.slice(0, LISTED_NAMES).join(', ');
  return names.length > LISTED_NAMES ? `${listed} and ${names.length - LISTED_NAMES} more` : listed;
}

/** A notice's leaves grouped by reason, each group in order, the groups in the order their reasons first appear. */
export function leavesByReason<M extends { reason: string }>(left: readonly M[]): [M['reason'], M[]][] {
  const groups = new Map<M['reason'], M[]>();
  for (const member of left) {
    const group = groups.get(member.reason);
    if (group) group.push(member);
    else groups.set(member.reason, [member]);
  }
  return [...groups];
}
