/**
 * @module Delta debugging over a failing scenario: fast-check's own shrinking would restart a server
 * for every one of hundreds of tiny steps, so the fuzzer finds with fast-check (seeded, replayable)
 * and then reduces here, in big steps first: whole chunks of actions (ddmin), then single actions,
 * then the server settings back to their defaults, the watched rooms, and each remaining payload
 * (shorter, shallower, fewer fields). A candidate counts only if it fails the same way.
 */
import type { Violation } from './run-scenario.js';
import type { Action, FrameDesc, JsonTree, Payload, Scenario, ServerSetup } from './scenario.js';

/** Two failures are the same if they are this alike (so reduction does not wander to another bug). */
export function signature(v: Violation): string {
  const keepDetail = ['crash', 'error-log', 'server-error', 'stderr'].includes(v.kind);
  const detail = v.detail
    .replace(/\b(?:read|write) (?:ECONNRESET|EPIPE|ECONNABORTED)\b/g, '<socket error>')
    .replace(/\d+/g, '#')
    .replace(/"[^"]*"/g, '"…"');
  return keepDetail ? `${v.kind}: ${detail}` : v.kind;
}

export const DEFAULT_SETUP: ServerSetup = {
  store: 'memory',
  floodBurst: 20,
  maxConnectionsPerIp: 256,
  outboxBytes: 1024 * 1024,
  presenceBatchMs: 100,
  historyPageMax: 200,
};

export interface Reduction {
  scenario: Scenario;
  violation: Violation;
  runs: number;
}

type Test = (scenario: Scenario) => Promise<Violation | undefined>;

export async function reduce(start: Scenario, found: Violation, test: Test, budgetMs: number, log: (line: string) => void = () => {}): Promise<Reduction> {
  const deadline = Date.now() + budgetMs;
  const wanted = signature(found);
  let best: Reduction = { scenario: start, violation: found, runs: 0 };
  const tryCandidate = async (candidate: Scenario): Promise<boolean> => {
    if (Date.now() > deadline) return false;
    best.runs++;
    const violation = await test(candidate);
    if (!violation || signature(violation) !== wanted) return false;
    best = { scenario: candidate, violation, runs: best.runs };
    log(`  reduced to ${candidate.actions.length} actions (${best.runs} runs)`);
    return true;
  };

  // Nothing after the action that failed matters.
  const failedAt = found.action;
  if (failedAt >= 0 && failedAt < start.actions.length - 1) await tryCandidate({ ...start, actions: start.actions.slice(0, failedAt + 1) });

  // Often only the connection that saw the breach matters (HTTP and syncs are kept: they have none).
  const where = /^c(\d+)$/.exec(found.where);
  if (where) {
    const c = Number(where[1]);
    await tryCandidate({ ...best.scenario, actions: best.scenario.actions.filter((a) => !('c' in a) || a.c === c) });
  }

  // ddmin over the actions: drop chunks, halving their size when no chunk can go.
  let chunks = 2;
  while (best.scenario.actions.length > 0 && Date.now() < deadline) {
    const actions = best.scenario.actions;
    const size = Math.ceil(actions.length / chunks);
    let dropped = false;
    for (let from = 0; from < actions.length && !dropped; from += size) {
      dropped = await tryCandidate({ ...best.scenario, actions: [...actions.slice(0, from), ...actions.slice(from + size)] });
    }
    if (dropped) chunks = Math.max(2, chunks - 1);
    else if (size <= 1) break;
    else chunks = Math.min(actions.length, chunks * 2);
  }

  for (const key of Object.keys(DEFAULT_SETUP) as (keyof ServerSetup)[]) {
    if (best.scenario.setup[key] !== DEFAULT_SETUP[key]) await tryCandidate({ ...best.scenario, setup: { ...best.scenario.setup, [key]: DEFAULT_SETUP[key] } });
  }
  for (const room of best.scenario.observe) await tryCandidate({ ...best.scenario, observe: best.scenario.observe.filter((r) => r !== room) });

  // Each action, simpler, until none gets simpler.
  for (let progress = true; progress && Date.now() < deadline; ) {
    progress = false;
    for (let i = 0; i < best.scenario.actions.length; i++) {
      for (const simpler of simplerActions(best.scenario.actions[i]!)) {
        const actions = best.scenario.actions.slice();
        actions[i] = simpler;
        if (await tryCandidate({ ...best.scenario, actions })) {
          progress = true;
          break;
        }
      }
    }
  }
  return { ...best, scenario: compactConnections(best.scenario) };
}

/** Renumbers the connections the actions use as 0, 1, 2… (a pure renaming: the run is the same). */
export function compactConnections(scenario: Scenario): Scenario {
  const used = [...new Set(scenario.actions.flatMap((a) => ('c' in a ? [a.c] : [])))].sort((a, b) => a - b);
  const renumber = new Map(used.map((c, i) => [c, i]));
  if (used.every((c, i) => c === i) && used.length === scenario.conns.length) return scenario;
  const text = JSON.stringify(scenario.actions, (key, value: unknown) => ((key === 'c' || key === 'of') && typeof value === 'number' ? (renumber.get(value) ?? value) : value));
  return { ...scenario, conns: used.map((c) => scenario.conns[c]!), actions: JSON.parse(text) as Action[] };
}

function simplerActions(action: Action): Action[] {
  const out: Action[] = [];
  if ('split' in action && action.split !== undefined) out.push({ ...action, split: undefined });
  switch (action.do) {
    case 'send':
      if (action.end !== undefined) out.push({ ...action, end: undefined });
      if (action.fragments !== undefined) out.push({ ...action, fragments: undefined });
      for (const payload of simplerPayloads(action.payload)) out.push({ ...action, payload });
      break;
    case 'frames':
      if (action.cut !== undefined) out.push({ ...action, cut: undefined });
      if (action.then !== undefined) out.push({ ...action, then: undefined });
      if (action.frames.length > 1) action.frames.forEach((_, i) => out.push({ ...action, frames: action.frames.filter((__, j) => j !== i) }));
      action.frames.forEach((frame, i) => {
        for (const simpler of simplerFrames(frame)) out.push({ ...action, frames: action.frames.map((f, j) => (j === i ? simpler : f)) });
      });
      break;
    case 'eager-ws':
      action.frames.forEach((_, i) => out.push({ ...action, frames: action.frames.filter((__, j) => j !== i) }));
      break;
    case 'burst':
      if (action.count > 1) out.push({ ...action, count: Math.floor(action.count / 2) }, { ...action, count: action.count - 1 });
      if (action.bytes > 0) out.push({ ...action, bytes: Math.floor(action.bytes / 2) });
      if (action.text !== 'x') out.push({ ...action, text: 'x' });
      break;
    case 'churn':
      if (action.count > 1) out.push({ ...action, count: Math.floor(action.count / 2) });
      break;
    case 'http': {
      const { request } = action;
      request.headers.forEach((_, i) => out.push({ ...action, request: { ...request, headers: request.headers.filter((__, j) => j !== i) } }));
      if (request.body !== undefined) out.push({ ...action, request: { ...request, body: undefined } });
      if (request.path !== '/x') out.push({ ...action, request: { ...request, path: '/x' } });
      break;
    }
    default:
      break;
  }
  return out.map((a) => JSON.parse(JSON.stringify(a)) as Action);
}

function simplerFrames(frame: FrameDesc): FrameDesc[] {
  const out: FrameDesc[] = simplerPayloads(frame.payload).map((payload) => ({ ...frame, payload }));
  if (frame.declaredLength !== undefined) out.push({ ...frame, declaredLength: undefined });
  if (frame.rsv !== undefined) out.push({ ...frame, rsv: undefined });
  return out;
}

function simplerPayloads(payload: Payload): Payload[] {
  if ('json' in payload) return simplerTrees(payload.json).map((json) => ({ json }));
  if ('mutate' in payload) {
    const { of, edits } = payload.mutate;
    return [of, ...edits.map((_, i) => ({ mutate: { of, edits: edits.filter((__, j) => j !== i) } })), ...simplerPayloads(of).map((p) => ({ mutate: { of: p, edits } }))];
  }
  if ('hex' in payload) {
    const hex = payload.hex;
    return hex.length > 2 ? [{ hex: hex.slice(0, Math.floor(hex.length / 4) * 2) }, { hex: hex.slice(Math.floor(hex.length / 4) * 2) }] : [];
  }
  const pieces = payload.text;
  return pieces.length > 1 ? pieces.map((_, i) => ({ text: pieces.filter((__, j) => j !== i) })) : [];
}

function simplerTrees(tree: JsonTree): JsonTree[] {
  if (tree === null || typeof tree !== 'object') return typeof tree === 'string' && tree.length > 1 ? [tree.slice(0, Math.ceil(tree.length / 2))] : [];
  if ('o' in tree) {
    return [
      ...tree.o.map((_, i) => ({ o: tree.o.filter((__, j) => j !== i) })),
      ...tree.o.flatMap(([key, value], i) => simplerTrees(value).map((v) => ({ o: tree.o.map((entry, j): [string, JsonTree] => (j === i ? [key, v] : entry)) }))),
    ];
  }
  if ('a' in tree) return tree.a.map((_, i) => ({ a: tree.a.filter((__, j) => j !== i) }));
  if ('rep' in tree) return tree.rep.n > 1 ? [{ rep: { ...tree.rep, n: Math.floor(tree.rep.n / 2) } }, { rep: { ...tree.rep, n: tree.rep.n - 1 } }] : [];
  if ('deep' in tree) {
    const { depth } = tree.deep;
    return depth > 1 ? [{ deep: { ...tree.deep, depth: Math.floor(depth / 2) } }, { deep: { ...tree.deep, depth: Math.floor((depth * 9) / 10) } }] : [];
  }
  return [];
}
