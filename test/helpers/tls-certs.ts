// The TLS tests' certificates, made at test time by test/helpers/make-test-certs.sh (openssl CLI)
// in a temporary folder that the caller removes (never committed).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TestCerts {
  dir: string;
  /** Path of a file in dir: 'ca.pem', 'server.key', ... (see make-test-certs.sh). */
  file(name: string): string;
  /** Its contents. */
  read(name: string): Buffer;
  remove(): void;
}

const SCRIPT = path.resolve(__dirname, '..', '..', '..', 'test', 'helpers', 'make-test-certs.sh');

export function makeTestCerts(): TestCerts {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otc-tls-certs-'));
  execFileSync('bash', [SCRIPT, dir], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  return {
    dir,
    file: (name) => path.join(dir, name),
    read: (name) => fs.readFileSync(path.join(dir, name)),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
