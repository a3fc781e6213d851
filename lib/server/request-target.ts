// The target of an HTTP request (a stranger's text) as a URL, without throwing.

/**
 * Parses a request target: origin-form (`/path?query`, also `//a:99999`, which is a path here,
 * not a host) or absolute-form (`http://host/path`). undefined for anything else, or when the
 * URL parser refuses it.
 */
export function parseRequestTarget(target: string | undefined): URL | undefined {
  if (target === undefined || target === '') return undefined;
  try {
    if (target.startsWith('/')) return new URL(`http://localhost${target}`);
    if (/^https?:\/\//i.test(target)) return new URL(target);
  } catch {
    return undefined;
  }
  return undefined;
}

/** decodeURIComponent that answers undefined for a bad %-escape instead of throwing. */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** A WebSocket close reason: at most 123 bytes of UTF-8 (the protocol's limit; ws throws beyond), never empty. */
export function closeReason(text: string): string {
  if (text === '') return 'closed';
  if (Buffer.byteLength(text, 'utf8') <= 123) return text;
  let reason = '';
  let bytes = 0;
  for (const char of text) { // whole code points: a cut never splits a surrogate pair
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > 123) break;
    reason += char;
    bytes += size;
  }
  return reason;
}
