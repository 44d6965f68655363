/**
 * @module The TLS certificate and key both listeners present, loaded from PEM files and re-read on
 * reload. A reload swaps the context for connections made after it (open ones keep theirs); a
 * certificate that does not load is refused and the one in use kept.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
}

interface Loaded {
  readonly pem: { readonly cert: Buffer; readonly key: Buffer };
  readonly context: tls.SecureContext;
  /** SHA-256 fingerprint of the leaf certificate, as `openssl x509 -fingerprint -sha256` writes it. */
  readonly fingerprint: string;
  readonly validTo: string;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read the TLS ${what} ${path}: ${(err as Error).message}`);
  }
}

/** Reads and checks both files; throws one line naming them when they do not make a usable pair. */
function load(files: TlsFiles): Loaded {
  const pem = { cert: readPem(files.cert, 'certificate'), key: readPem(files.key, 'key') };
  try {
    // Checks the PEM, the key, and that the key belongs to the certificate.
    const context = tls.createSecureContext(pem);
    const leaf = new X509Certificate(pem.cert);
    return { pem, context, fingerprint: leaf.fingerprint256, validTo: leaf.validTo };
  } catch (err) {
    throw new Error(`the TLS certificate ${files.cert} and key ${files.key} do not load: ${(err as Error).message}`);
  }
}

export class TlsCredentials {
  private loaded: Loaded;
  private readonly servers: tls.Server[] = [];

  /** Throws (one line) when the files do not load: start-up stops there. */
  constructor(files: TlsFiles) {
    this.loaded = load(files);
  }

  /** For a TLSSocket made by hand (the TCP port, after an optional PROXY header). */
  get context(): tls.SecureContext {
    return this.loaded.context;
  }

  /** For `https.createServer`. */
  get pem(): { readonly cert: Buffer; readonly key: Buffer } {
    return this.loaded.pem;
  }

  get fingerprint(): string {
    return this.loaded.fingerprint;
  }

  get validTo(): string {
    return this.loaded.validTo;
  }

  /** A server whose context a reload replaces too. */
  attach(server: tls.Server): void {
    this.servers.push(server);
  }

  /** Loads the files again (they may have been renewed, or be new paths); throws and keeps the old on failure. */
  reload(files: TlsFiles): void {
    const next = load(files);
    for (const server of this.servers) server.setSecureContext({ cert: next.pem.cert, key: next.pem.key });
    this.loaded = next;
  }
}
