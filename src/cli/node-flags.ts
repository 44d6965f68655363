/**
 * @module The V8 flags the server runs with (bin/hubbub.js's shebang and `npm start` pass them;
 * a test keeps both in step with this list).
 *
 * `--max-semi-space-size=4`: V8 grows its young generation to 16 MiB per semi-space under a
 * connection burst and keeps it; with 10,000 idle connections that was ~1.5 KiB per connection of
 * RSS for nothing. Capped at 4 MiB, the benchmark measured idle TCP 5.4 -> 3.9 KiB and WebSocket
 * 8.0 -> 5.7 KiB per connection with fan-out throughput unchanged (docs/benchmarks.md).
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
