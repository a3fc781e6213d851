// serve's --limit NAME=N flags: any field of ServerLimits (lib/server/limits.ts).
import { DEFAULT_LIMITS, LIMIT_NAMES, type ServerLimits, resolveLimits } from '../server/limits';
import { UsageError, type Values } from './args';

export const LIMIT_USAGE = `      --limit NAME=N (repeatable): one of the server's limits (docs/protocol.md, Limits), e.g.
      --limit maxConnectionsPerAddress=1000 behind a proxy; names and defaults:
${wrap(LIMIT_NAMES.map((name) => `${name}=${DEFAULT_LIMITS[name]}`), '        ')}`;

function wrap(items: string[], indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    if (line && line.length + item.length + 1 > 96) {
      lines.push(line);
      line = '';
    }
    line = line ? `${line} ${item}` : item;
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l).join('\n');
}

/** The limits the --limit flags set (the rest default); a UsageError names a bad flag. */
export function limitsFromFlags(values: Values): Partial<ServerLimits> {
  const limits: Partial<ServerLimits> = {};
  for (const flag of (values['limit'] as string[] | undefined) ?? []) {
    const match = /^([A-Za-z]+)=(\d+)$/.exec(flag);
    if (!match) throw new UsageError(`--limit takes NAME=N (a positive integer), not ${flag}`);
    const name = match[1] as keyof ServerLimits;
    if (!LIMIT_NAMES.includes(name)) throw new UsageError(`--limit: unknown limit ${match[1]} (known: ${LIMIT_NAMES.join(', ')})`);
    limits[name] = Number(match[2]);
  }
  try {
    resolveLimits(limits);
  } catch (err) {
    throw new UsageError(`--limit: ${(err as Error).message}`);
  }
  return limits;
}
