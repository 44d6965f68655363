/**
 * @module The servers under test, one row each: how to start it, which port and protocol its
 * clients use, and when the row applies. Adding a variant (say, another hubbub store) is one row.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProtocolName } from '../load/protocols.js';
import type { ScenarioName } from '../options.js';
import { LISTENING_PATTERN } from './baseline-frames.js';
import { Deployment } from './deployment.js';
import { addRedis } from './redis-launch.js';
import type { LaunchSpec, Ports } from './server-process.js';
import { SERVER_NODE_FLAGS } from '../../src/cli/node-flags.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The flags the issue fixes for hubbub under load: no flood control, no per-IP cap, quiet. */
export const HUBBUB_BENCH_FLAGS = [
  '--host', '127.0.0.1', '--tcp-port', '0', '--http-port', '0', '--flood-burst', '0',
  '--max-connections-per-ip', '100000', '--max-connections', '30000', '--presence-max-members', '50', '--log-level', 'warn',
];

/** What the machine and the checkout offer; rows that need something missing are skipped. */
export interface Environment {
  /** `hubbub serve --help` lists --store. */
  storeFlag: boolean;
  /** The store hubbub uses without --store, as its help states it. */
  defaultStore: string | undefined;
  /** Why the uwebsockets package does not load here, or undefined when it does. */
  uwsProblem: string | undefined;
  /** Why no redis-server can be started here, or undefined when one can. */
  redisProblem: string | undefined;
}

export interface ServerVariant {
  id: string;
  label: string;
  kind: 'hubbub' | 'baseline';
  protocol: ProtocolName;
  /** Which of the server's ports the clients connect to (on each of its endpoints). */
  port: keyof Ports;
  /** Starts the server's processes; `nodeFlags` go to every hubbub or baseline node (e.g. --cpu-prof). */
  start(nodeFlags?: string[]): Promise<Deployment>;
  /** Runs the 18,000-connection capacity check. */
  capacity?: boolean;
  /** Only these scenarios (default: all but capacity, which needs `capacity`). */
  scenarios?: readonly ScenarioName[];
  /** Why this row is skipped here, or undefined. */
  skip?(env: Environment): string | undefined;
}

function hubbub(extraArgs: string[] = []): (nodeFlags?: string[]) => LaunchSpec {
  return (nodeFlags = []) => ({
    command: process.execPath,
    // The flags the shipped server runs with (bin/hubbub.js's shebang, npm start).
    args: [...nodeFlags, ...SERVER_NODE_FLAGS, path.join(REPO_ROOT, 'bin/hubbub.js'), 'serve', ...HUBBUB_BENCH_FLAGS, ...extraArgs],
    // Every run starts in a fresh directory, so a store writing files (./data by default) never
    // replays an earlier run's messages as history.
    cwd: mkdtempSync(path.join(tmpdir(), 'hubbub-bench-')),
    removeCwd: true,
    ports(line) {
      const tcp = /tcp:\/\/[^:]+:(\d+)/.exec(line)?.[1];
      const http = /ws:\/\/[^:]+:(\d+)\/ws/.exec(line)?.[1];
      return tcp && http ? { tcp: Number(tcp), http: Number(http) } : undefined;
    },
  });
}

/** A row served by one process. */
function alone(launch: (nodeFlags?: string[]) => LaunchSpec): (nodeFlags?: string[]) => Promise<Deployment> {
  return (nodeFlags) => Deployment.single(launch(nodeFlags));
}

/**
 * A hub on a Redis the row starts itself: `nodes` hubbub processes, each an endpoint, each with
 * `workers` node:cluster workers (1: no --workers flag, a plain process).
 */
function onRedis(nodes: number, workers = 1): (nodeFlags?: string[]) => Promise<Deployment> {
  return (nodeFlags) =>
    Deployment.start(async (deployment) => {
      const redis = ['--redis', await addRedis(deployment)];
      const spec = (): LaunchSpec =>
        workers > 1 ? { ...hubbub([...redis, '--workers', String(workers)])(nodeFlags), workers } : hubbub(redis)(nodeFlags);
      for (let i = 0; i < nodes; i++) await deployment.add(spec(), { endpoint: true });
    });
}

function baseline(file: string, port: keyof Ports): (nodeFlags?: string[]) => LaunchSpec {
  return (nodeFlags = []) => ({
    command: process.execPath,
    args: [...nodeFlags, '--import', 'tsx', path.join(REPO_ROOT, 'bench/servers', file)],
    cwd: REPO_ROOT,
    ports(line) {
      const match = LISTENING_PATTERN.exec(line);
      return match ? { [port]: Number(match[1]) } : undefined;
    },
  });
}

/**
 * The scenarios of the message path, where the history store is (and Redis, for the cluster rows):
 * what the store and cluster rows are for. Idle memory and connecting stay the plain rows' story.
 */
const MESSAGE_PATH_SCENARIOS: readonly ScenarioName[] = ['fanout', 'latency'];

/** Rows that need a redis-server. */
const needsRedis = (env: Environment): string | undefined => env.redisProblem;

/** A row for one store; the default store is already measured by the plain rows. */
function storeRow(store: string): (env: Environment) => string | undefined {
  return (env) =>
    !env.storeFlag ? 'hubbub serve has no --store flag yet' : env.defaultStore === store ? `same as hubbub ws (${store} is the default store)` : undefined;
}

export const VARIANTS: readonly ServerVariant[] = [
  { id: 'naive-net', label: 'naive net', kind: 'baseline', protocol: 'naive-net', port: 'tcp', start: alone(baseline('naive-net-server.ts', 'tcp')) },
  { id: 'naive-ws', label: 'naive ws', kind: 'baseline', protocol: 'json-ws', port: 'http', start: alone(baseline('naive-ws-server.ts', 'http')) },
  { id: 'socketio', label: 'Socket.IO 4.8', kind: 'baseline', protocol: 'socketio', port: 'http', start: alone(baseline('socketio-server.ts', 'http')) },
  {
    id: 'uws',
    label: 'uWS',
    kind: 'baseline',
    protocol: 'json-ws',
    port: 'http',
    start: alone(baseline('uws-server.ts', 'http')),
    skip: (env) => env.uwsProblem,
  },
  { id: 'hubbub-tcp-text', label: 'hubbub tcp text', kind: 'hubbub', protocol: 'hubbub-text', port: 'tcp', start: alone(hubbub()) },
  { id: 'hubbub-tcp-json', label: 'hubbub tcp json', kind: 'hubbub', protocol: 'hubbub-json-tcp', port: 'tcp', start: alone(hubbub()) },
  { id: 'hubbub-ws', label: 'hubbub ws', kind: 'hubbub', protocol: 'json-ws', port: 'http', start: alone(hubbub()), capacity: true },
  {
    id: 'hubbub-ws-memory',
    label: 'hubbub ws memory',
    kind: 'hubbub',
    protocol: 'json-ws',
    port: 'http',
    start: alone(hubbub(['--store', 'memory'])),
    scenarios: MESSAGE_PATH_SCENARIOS,
    skip: storeRow('memory'),
  },
  {
    id: 'hubbub-ws-sqlite',
    label: 'hubbub ws sqlite',
    kind: 'hubbub',
    protocol: 'json-ws',
    port: 'http',
    start: alone(hubbub(['--store', 'sqlite'])),
    scenarios: MESSAGE_PATH_SCENARIOS,
    skip: storeRow('sqlite'),
  },
  {
    id: 'hubbub-cluster-ws',
    label: 'hubbub ws 2 nodes + Redis',
    kind: 'hubbub',
    protocol: 'json-ws',
    port: 'http',
    start: onRedis(2),
    scenarios: MESSAGE_PATH_SCENARIOS,
    skip: needsRedis,
  },
  {
    id: 'hubbub-workers2-ws',
    label: 'hubbub ws --workers 2 + Redis',
    kind: 'hubbub',
    protocol: 'json-ws',
    port: 'http',
    start: onRedis(1, 2),
    scenarios: MESSAGE_PATH_SCENARIOS,
    skip: needsRedis,
  },
];

export function detectEnvironment(): Environment {
  let storeFlag = false;
  let defaultStore: string | undefined;
  try {
    const help = execFileSync(process.execPath, [path.join(REPO_ROOT, 'bin/hubbub.js'), 'serve', '--help'], { encoding: 'utf8', cwd: REPO_ROOT });
    storeFlag = /--store\b/.test(help);
    defaultStore = /--store\b[^\n]*\n\s*default "(\w+)"/.exec(help)?.[1];
  } catch {
    // No usable hubbub build: the hubbub rows fail on their own, loudly, when they start.
  }
  let uwsProblem: string | undefined;
  try {
    createRequire(import.meta.url)('uwebsockets');
  } catch (err) {
    uwsProblem = `uwebsockets does not load: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`;
  }
  let redisProblem: string | undefined;
  try {
    execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
  } catch {
    redisProblem = 'no redis-server on the PATH (the row starts its own Redis)';
  }
  return { storeFlag, defaultStore, uwsProblem, redisProblem };
}

/** `--only` tokens select rows by id, or by id prefix ("hubbub" selects every hubbub row). */
export function selectVariants(only: readonly string[] | undefined): ServerVariant[] {
  if (!only) return [...VARIANTS];
  const unknown = only.filter((token) => !VARIANTS.some((v) => v.id === token || v.id.startsWith(`${token}-`)));
  if (unknown.length) throw new Error(`unknown server ${unknown.join(', ')}; known: ${VARIANTS.map((v) => v.id).join(', ')}`);
  return VARIANTS.filter((v) => only.some((token) => v.id === token || v.id.startsWith(`${token}-`)));
}
