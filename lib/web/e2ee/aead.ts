// The AEAD of RFC 9605 section 4.5 on WebCrypto: AES-CTR then HMAC over
// BE(len(aad),8) || BE(len(ct),8) || BE(Nt,8) || nonce || aad || ct, the tag checked (in constant
// time) before anything is decrypted; or AES-GCM.
import type { AeadKeys } from './keys';
import { be64, concat, equalConstantTime, subtle } from './webcrypto';

function counterBlock(nonce: Uint8Array): Uint8Array {
  const block = new Uint8Array(16); // nonce || 00000000
  block.set(nonce, 0);
  return block;
}

async function tag(keys: AeadKeys, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Promise<Uint8Array> {
  const { nt } = keys.suite;
  const mac = await subtle().sign('HMAC', keys.auth!, concat(be64(BigInt(aad.length)), be64(BigInt(ct.length)), be64(BigInt(nt)), nonce, aad, ct));
  return new Uint8Array(mac, 0, nt);
}

/** ct || tag. */
export async function aeadSeal(keys: AeadKeys, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Promise<Uint8Array> {
  if (keys.gcm) {
    return new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: 128 }, keys.gcm, pt));
  }
  const ct = new Uint8Array(await subtle().encrypt({ name: 'AES-CTR', counter: counterBlock(nonce), length: 32 }, keys.enc!, pt));
  return concat(ct, await tag(keys, nonce, aad, ct));
}

/** The plaintext, or undefined when the tag does not verify. */
export async function aeadOpen(keys: AeadKeys, nonce: Uint8Array, aad: Uint8Array, ctAndTag: Uint8Array): Promise<Uint8Array | undefined> {
  const { nt } = keys.suite;
  if (ctAndTag.length < nt) return undefined;
  if (keys.gcm) {
    try {
      return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: 128 }, keys.gcm, ctAndTag));
    } catch {
      return undefined;
    }
  }
  const ct = ctAndTag.subarray(0, ctAndTag.length - nt);
  if (!equalConstantTime(await tag(keys, nonce, aad, ct), ctAndTag.subarray(ctAndTag.length - nt))) return undefined;
  return new Uint8Array(await subtle().decrypt({ name: 'AES-CTR', counter: counterBlock(nonce), length: 32 }, keys.enc!, ct));
}
