/**
 * @module Serves the built browser client (dist/web, made by scripts/build-web.mjs) from memory.
 * Files are read once at start and looked up by exact path, so no request path ever reaches the
 * filesystem (no traversal, no symlinks, no surprises). Content-hashed files under /assets/ are
 * cached for a year as immutable; the page itself is revalidated on every load, so a new build
 * takes effect at the next reload.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** dist/web at the package root: three levels up from this file in src/ (tsx) and in dist/ (built) alike. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Worth compressing; images other than SVG and fonts already are. */
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.map', '.json', '.svg', '.txt']);

/**
 * The page runs only its own bundled script and stylesheet and talks only to its own origin
 * (connect-src 'self' covers ws:/wss: to the same host). Trusted Types leave no DOM sink that
 * accepts a string as markup, so a rendering mistake cannot become script injection.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
export const REVALIDATE_CACHE = 'no-cache';

const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': PAGE_CSP,
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

interface StaticFile {
  body: Buffer;
  /** Present when gzip saves at least a tenth. */
  gzip: Buffer | undefined;
  headers: Record<string, string>;
  etag: string;
}

export interface StaticSite {
  /** True when the built client was found. */
  readonly available: boolean;
  /** Answers a GET or HEAD for `urlPath` (query already removed): the file, 304, 404, or 503 when unbuilt. */
  serve(req: IncomingMessage, res: ServerResponse, urlPath: string): void;
}

function loadFile(file: string, urlPath: string): StaticFile {
  const body = readFileSync(file);
  const ext = path.extname(file).toLowerCase();
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  const compressed = COMPRESSIBLE.has(ext) ? gzipSync(body, { level: 9 }) : undefined;
  const gzip = compressed && compressed.length < body.length * 0.9 ? compressed : undefined;
  const headers: Record<string, string> = {
    'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
    'cache-control': urlPath.startsWith('/assets/') ? IMMUTABLE_CACHE : REVALIDATE_CACHE,
    'x-content-type-options': 'nosniff',
    ...(ext === '.html' && PAGE_HEADERS),
    ...(gzip && { vary: 'accept-encoding' }),
  };
  return { body, gzip, headers, etag };
}

/** Every regular file under `root`, keyed by its URL path ("/index.html", "/assets/app-X.js"). */
function loadTree(root: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const relative of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(root, relative);
    if (!statSync(file).isFile()) continue;
    const urlPath = '/' + relative.split(path.sep).join('/');
    files.set(urlPath, loadFile(file, urlPath));
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}

/** Whether Accept-Encoding lists gzip with a non-zero quality. */
function acceptsGzip(req: IncomingMessage): boolean {
  const accept = req.headers['accept-encoding'];
  if (typeof accept !== 'string') return false;
  return accept.split(',').some((part) => {
    const [coding, ...params] = part.toLowerCase().split(';').map((s) => s.trim());
    const quality = params.find((p) => p.startsWith('q='));
    return coding === 'gzip' && (quality === undefined || Number(quality.slice(2)) > 0);
  });
}

function matchesEtag(req: IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (typeof header !== 'string') return false;
  return header.trim() === '*' || header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

function plain(res: ServerResponse, status: number, text: string, head: boolean): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(head ? undefined : text + '\n');
}

export function createStaticSite(root: string = DEFAULT_WEB_ROOT): StaticSite {
  const files = existsSync(path.join(root, 'index.html')) ? loadTree(root) : undefined;
  return {
    available: files !== undefined,
    serve(req, res, urlPath) {
      const head = req.method === 'HEAD';
      if (!files) {
        plain(res, 503, 'The web client has not been built: run `npm run build`, then restart the server.', head);
        return;
      }
      const file = files.get(urlPath);
      if (!file) {
        plain(res, 404, `nothing at ${urlPath}`, head);
        return;
      }
      const gzip = file.gzip && acceptsGzip(req) ? file.gzip : undefined;
      // The compressed bytes are a different representation, so they get their own validator.
      const etag = gzip ? `${file.etag.slice(0, -1)}-gz"` : file.etag;
      if (matchesEtag(req, etag)) {
        res.writeHead(304, { etag, 'cache-control': file.headers['cache-control']!, ...(file.gzip && { vary: 'accept-encoding' }) });
        res.end();
        return;
      }
      const body = gzip ?? file.body;
      res.writeHead(200, { ...file.headers, etag, 'content-length': String(body.length), ...(gzip && { 'content-encoding': 'gzip' }) });
      res.end(head ? undefined : body);
    },
  };
}
