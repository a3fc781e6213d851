// Text from clients and strangers (reasons, ids, tokens' messages, URLs) before it reaches a log
// line: control characters could forge lines or drive a terminal, and length is theirs to choose.

/** Longest piece of client text in a log line, characters. */
export const MAX_LOGGED_TEXT = 200;

/**
 * Escapes C0/C1 control characters, DEL, and the Unicode line/paragraph separators and bidi
 * controls as \xNN / \uNNNN, and caps the length (marking the cut with "…(+N)").
 */
export function forLog(value: unknown, max = MAX_LOGGED_TEXT): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > max ? text.slice(0, max) : text;
  // eslint-disable-next-line no-control-regex
  const escaped = cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return text.length > max ? `${escaped}…(+${text.length - max})` : escaped;
}
