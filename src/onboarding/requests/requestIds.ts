// Short human request ids (ONB-7F3K): typed into chat (`status ONB-7F3K`) and read out on calls, so
// the alphabet leaves out I and O, which are read as 1 and 0. Uniqueness is enforced by the store
// (requests.create refuses a taken id); the caller draws again on a collision.
import { randomInt } from 'crypto';
import { REQUEST_ID_PATTERN, type RequestId, type RequestKind } from '../model';

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const PREFIX: Record<RequestKind, string> = { onboard: 'ONB', remap: 'MAP', remove: 'DEL', offboard: 'OFF', bulk: 'BAT' };
const REQUEST_ID_RE = new RegExp(REQUEST_ID_PATTERN);

/** A new random id; `length` (4–8) grows when collisions show the short space is getting crowded. */
export function newRequestId(kind: RequestKind, length = 4): RequestId {
  if (!Number.isInteger(length) || length < 4 || length > 8) throw new RangeError('request id length must be 4 to 8');
  let suffix = '';
  for (let i = 0; i < length; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  const id = `${PREFIX[kind]}-${suffix}`;
  if (!REQUEST_ID_RE.test(id)) throw new Error(`generated request id ${id} does not match ${REQUEST_ID_PATTERN}`);
  return id as RequestId;
}
