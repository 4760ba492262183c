// The simulated cloud's own certificate authority. Clients under test must reach the simulator
// over real TLS (the Azure SDK refuses bearer tokens on plain http), so they trust this CA through
// NODE_EXTRA_CA_CERTS, which Node reads only at process start: the CA therefore lives in a file
// that outlives any one sandbox, and each sandbox issues its server certificate from it.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import forge from 'node-forge';

export interface SandboxCa {
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
}

export interface ServerCertificate {
  certPem: string;
  keyPem: string;
}

const CA_CERT_FILE = 'ca.crt.pem';
const CA_KEY_FILE = 'ca.key.pem';
const DAY_MS = 24 * 60 * 60 * 1000;
const CA_LIFETIME_DAYS = 365;
const SERVER_LIFETIME_DAYS = 30;

function newRsaKeyPem(): string {
  // node:crypto is much faster than forge's pure-JS key generation on a busy machine.
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function serialNumber(): string {
  // Positive (leading nibble < 8) random serial, as RFC 5280 asks.
  return '4' + crypto.randomBytes(15).toString('hex');
}

/** A new key and an unsigned certificate for it, valid from a minute ago for `lifetimeDays`. */
function newCertificate(lifetimeDays: number): { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey; keyPem: string } {
  const keyPem = newRsaKeyPem();
  const key = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + lifetimeDays * DAY_MS);
  return { cert, key, keyPem };
}

function createCa(): { certPem: string; keyPem: string } {
  const { cert, key, keyPem } = newCertificate(CA_LIFETIME_DAYS);
  const subject = [
    { name: 'commonName', value: 'CSP Onboarding Bot simulated cloud CA' },
    { name: 'organizationName', value: 'Sandbox (not Microsoft)' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

function isUsable(certPem: string, keyPem: string): boolean {
  try {
    const cert = new crypto.X509Certificate(certPem);
    const key = crypto.createPrivateKey(keyPem);
    const validLongEnough = new Date(cert.validTo).getTime() - Date.now() >= DAY_MS;
    return cert.ca && validLongEnough && cert.checkPrivateKey(key);
  } catch {
    return false;
  }
}

function readIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Writes `content` to `file` only if nobody else did first (several test processes start at once). */
function publishExclusively(file: string, content: string): boolean {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    fs.unlinkSync(tmp);
  }
}

function readPair(dir: string): { certPem?: string; keyPem?: string } {
  return { certPem: readIfPresent(path.join(dir, CA_CERT_FILE)), keyPem: readIfPresent(path.join(dir, CA_KEY_FILE)) };
}

/** A key without its certificate for longer than it takes to write one: its writer died. */
function isAbandoned(keyPath: string, certPem: string | undefined): boolean {
  if (certPem !== undefined) return false;
  try {
    return Date.now() - fs.statSync(keyPath).mtimeMs > 30_000;
  } catch {
    return false;
  }
}

/** Creates the CA in `dir` once and reuses it while it is valid for at least another day. */
export function ensureSandboxCa(dir: string): SandboxCa {
  fs.mkdirSync(dir, { recursive: true });
  const certPath = path.join(dir, CA_CERT_FILE);
  const keyPath = path.join(dir, CA_KEY_FILE);
  const existing = readPair(dir);
  if (existing.certPem && existing.keyPem && isUsable(existing.certPem, existing.keyPem)) {
    return { certPath, keyPath, certPem: existing.certPem, keyPem: existing.keyPem };
  }
  if ((existing.certPem && existing.keyPem) || isAbandoned(keyPath, existing.certPem)) {
    // Expiring, damaged, or left half-made by a process that died: replace it (whoever removes
    // first wins; the rest re-create below).
    for (const file of [certPath, keyPath]) fs.rmSync(file, { force: true });
  }
  const fresh = createCa();
  // The key is published first and decides the winner; the cert follows it, renamed into place
  // so that nobody reads half a certificate.
  if (publishExclusively(keyPath, fresh.keyPem)) {
    const tmp = `${certPath}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, fresh.certPem);
    fs.renameSync(tmp, certPath);
    return { certPath, keyPath, ...fresh };
  }
  for (let waited = 0; waited < 10_000; waited += 50) {
    const pair = readPair(dir);
    if (pair.certPem && pair.keyPem && isUsable(pair.certPem, pair.keyPem)) {
      return { certPath, keyPath, certPem: pair.certPem, keyPem: pair.keyPem };
    }
    sleepSync(50);
  }
  throw new Error(`The sandbox CA in ${dir} is incomplete: delete ${dir} and retry.`);
}

const SERVER_FILE = 'server.json';

function isUsableServerCertificate(candidate: ServerCertificate, ca: Pick<SandboxCa, 'certPem'>): boolean {
  try {
    const cert = new crypto.X509Certificate(candidate.certPem);
    const validLongEnough = new Date(cert.validTo).getTime() - Date.now() >= DAY_MS;
    return validLongEnough && cert.verify(new crypto.X509Certificate(ca.certPem).publicKey) && cert.checkPrivateKey(crypto.createPrivateKey(candidate.keyPem));
  } catch {
    return false;
  }
}

/**
 * The server certificate kept next to the CA: issuing one costs about half a second of CPU, which
 * every sandbox start in a test run would otherwise pay. One JSON file, renamed into place, so a
 * reader never sees a certificate without its key.
 */
export function serverCertificateFor(ca: SandboxCa, dir: string): ServerCertificate {
  const file = path.join(dir, SERVER_FILE);
  const cached = readIfPresent(file);
  if (cached) {
    try {
      const parsed = JSON.parse(cached) as ServerCertificate;
      if (isUsableServerCertificate(parsed, ca)) return parsed;
    } catch {
      // damaged: issue a new one below
    }
  }
  const fresh = issueServerCertificate(ca);
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(fresh), { mode: 0o600 });
  fs.renameSync(tmp, file);
  return fresh;
}

/** A TLS server certificate for the loopback names, signed by the sandbox CA. */
export function issueServerCertificate(ca: Pick<SandboxCa, 'certPem' | 'keyPem'>): ServerCertificate {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const { cert, keyPem } = newCertificate(SERVER_LIFETIME_DAYS);
  cert.setSubject([{ name: 'commonName', value: '127.0.0.1' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}
