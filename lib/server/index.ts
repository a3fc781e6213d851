// The session server of node-otc: REST in the OpenTok shape, tokens, signaling over WebSocket.
export { SessionServer, generateApiKey, generateApiSecret } from './server';
export type { SessionServerOptions, CreatedSession } from './server';
export { generateToken, verifyToken, TOKEN_ROLES, isTokenRole } from './tokens';
export type { GenerateTokenOptions, TokenGrant, TokenCheck, TokenRole } from './tokens';
export { mintSessionId, parseSessionId } from './session-id';
export type { ParsedSessionId } from './session-id';
export { signRestAuth, verifyRestAuth } from './rest-auth';
export type { SessionOptions } from './session-store';
export type { CreateSessionResponse, SessionInfoResponse } from './rest';
export { MAX_SIGNAL_DATA_BYTES, MAX_SIGNAL_TYPE_LENGTH, ROUTED_UNAVAILABLE } from './signaling';
export * from './messages';
export { MediaRouter, publisherPeerKey } from './router/media-router';
export type { MediaRouterOptions, JanusInstanceSpec } from './router/media-router';
export { JanusProcess } from './router/janus-process';
export type { JanusProcessOptions } from './router/janus-process';
export type { HttpRoute } from './web-routes';
