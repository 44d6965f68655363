/** @module The machine a run was measured on, as the results and the docs report it. */
import os from 'node:os';
import type { Machine } from './results.js';

export function describeMachine(): Machine {
  return {
    nproc: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  };
}
