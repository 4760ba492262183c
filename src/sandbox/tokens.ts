// Access tokens the simulated Entra issues and the simulated APIs check: RS256 JWTs. Each sandbox
// has its own key id and accepts only its own, so a token from one sandbox is worthless in
// another; the RSA key itself is made once per process (generating one costs a noticeable slice of
// a test's time on a busy machine).
import * as crypto from 'crypto';

export interface TokenClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  tid: string;
  oid: string;
  sub: string;
  appid: string;
  azp: string;
  idtyp: 'app' | 'user';
  ver: '2.0';
  /** Delegated tokens only. */
  scp?: string;
  upn?: string;
  roles?: string[];
}

export type TokenCheck =
  | { ok: true; claims: TokenClaims }
  | { ok: false; reason: 'missing' | 'malformed' | 'signature' | 'expired' };

const b64url = (input: Buffer | string) => Buffer.from(input).toString('base64url');

let processKeyPair: { privateKey: crypto.KeyObject; publicKey: crypto.KeyObject } | undefined;

export class TokenSigner {
  readonly kid = crypto.randomBytes(8).toString('hex');
  private readonly privateKey: crypto.KeyObject;
  private readonly publicKey: crypto.KeyObject;

  constructor() {
    processKeyPair ??= crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = processKeyPair.privateKey;
    this.publicKey = processKeyPair.publicKey;
  }

  sign(claims: object): string {
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: this.kid }));
    const payload = b64url(JSON.stringify(claims));
    const signature = crypto.sign('sha256', Buffer.from(`${header}.${payload}`), this.privateKey);
    return `${header}.${payload}.${b64url(signature)}`;
  }

  private keyIdOf(encodedHeader: string): string | undefined {
    try {
      return (JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8')) as { kid?: string }).kid;
    } catch {
      return undefined;
    }
  }

  jwks(): { keys: object[] } {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return { keys: [{ ...jwk, kid: this.kid, use: 'sig', alg: 'RS256' }] };
  }

  /** Checks the `Authorization: Bearer …` header value. */
  check(authorization: string | undefined, now = Date.now()): TokenCheck {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) return { ok: false, reason: 'missing' };
    const parts = m[1].split('.');
    if (parts.length !== 3) return { ok: false, reason: 'malformed' };
    if (this.keyIdOf(parts[0]) !== this.kid) return { ok: false, reason: 'signature' };
    const valid = crypto.verify(
      'sha256',
      Buffer.from(`${parts[0]}.${parts[1]}`),
      this.publicKey,
      Buffer.from(parts[2], 'base64url'),
    );
    if (!valid) return { ok: false, reason: 'signature' };
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (claims.exp * 1000 <= now) return { ok: false, reason: 'expired' };
    return { ok: true, claims };
  }
}

/** `https://host/arm/` and `https://host/arm` are the same audience. */
export function normalizeAudience(aud: string): string {
  return aud.replace(/\/+$/, '').toLowerCase();
}
