/** @module Self-signed certificates made by the test itself with `openssl req -x509`, for localhost and 127.0.0.1. */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Certificate {
  readonly certPath: string;
  readonly keyPath: string;
  readonly cert: Buffer;
  /** SHA-256 fingerprint as node's getPeerCertificate().fingerprint256 writes it. */
  readonly fingerprint: string;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'hubbub-tls-'));
}

/** Writes a fresh key and self-signed certificate (CN `name`) to `<dir>/<file>.pem` and `<dir>/<file>-key.pem`. */
export function makeCertificate(dir: string, name = 'localhost', file = 'server'): Certificate {
  const certPath = join(dir, `${file}.pem`);
  const keyPath = join(dir, `${file}-key.pem`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyPath, '-out', certPath],
    { stdio: 'ignore' },
  );
  const cert = readFileSync(certPath);
  return { certPath, keyPath, cert, fingerprint: new X509Certificate(cert).fingerprint256 };
}
