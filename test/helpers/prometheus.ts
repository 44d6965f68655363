/** @module Scrapes /metrics over a real socket and parses the Prometheus text format, strictly. */
import http from 'node:http';
import https from 'node:https';

export interface Scrape {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly headers: http.IncomingHttpHeaders;
}

/**
 * One request on its own connection (closed after), so scrapes do not hold sockets open between
 * them; over HTTPS, trusting `ca`, when it is given.
 */
export function scrape(port: number, headers: Record<string, string> = {}, ca?: Buffer): Promise<Scrape> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path: '/metrics', headers: { connection: 'close', ...headers }, agent: false };
    const get = ca ? (cb: (res: http.IncomingMessage) => void) => https.get({ ...options, ca, servername: 'localhost' }, cb) : (cb: (res: http.IncomingMessage) => void) => http.get(options, cb);
    get((res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), text, headers: res.headers }));
    }).on('error', reject);
  });
}

// Prometheus reads NaN and Inf in any case (Go's ParseFloat); prom-client writes "Nan".
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|nan|[+-]?inf)$/i;

/** Samples by `name` or `name{label="value",…}` (labels as written). Throws on a line that is not the format. */
export function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    samples.set(match[1]! + (match[2] ?? ''), Number(match[3]));
  }
  return samples;
}

/** A sample's value; throws if the sample is missing, so an assertion cannot pass on an absent metric. */
export function sample(samples: Map<string, number>, key: string): number {
  const value = samples.get(key);
  if (value === undefined) throw new Error(`no sample ${key}; have ${[...samples.keys()].filter((k) => k.startsWith('hubbub')).join(', ')}`);
  return value;
}
