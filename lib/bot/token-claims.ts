// What a client token says about itself, read without verifying it (only the server can): the
// API key and session id a bot needs to join with nothing but a token.

export interface TokenClaims {
  apiKey?: string;
  sessionId?: string;
  role?: string;
}

/** Claims of a JWT token or a legacy `T1==` token; {} when the token is neither. */
export function readTokenClaims(token: string): TokenClaims {
  if (token.startsWith('T1==')) {
    const decoded = Buffer.from(token.slice(4), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return {};
    const head = new URLSearchParams(decoded.slice(0, colon));
    const data = new URLSearchParams(decoded.slice(colon + 1));
    return clean({ apiKey: head.get('partner_id'), sessionId: data.get('session_id'), role: data.get('role') });
  }
  const parts = token.split('.');
  if (parts.length !== 3) return {};
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    return clean({ apiKey: payload['iss'], sessionId: payload['session_id'], role: payload['role'] });
  } catch {
    return {};
  }
}

function clean(fields: Record<string, unknown>): TokenClaims {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) if (typeof value === 'string' && value !== '') claims[name] = value;
  return claims;
}
