// The frame format on WebCrypto, for the browser client (RTCRtpScriptTransform workers) and any
// other JavaScript runtime with crypto.subtle. The same rules as the C++ core, tested against it.
export { WebFrameCryptor, InvalidSecretError, RATCHET_LOOKAHEAD } from './frame-cryptor';
export type { Outcome, OpenResult, WebFrameCryptorOptions } from './frame-cryptor';
export { CODECS, clearPrefixLength } from './codec-prefix';
export type { Codec } from './codec-prefix';
export { DEFAULT_SUITE_ID, findSuite } from './suites';
export type { Suite } from './suites';
