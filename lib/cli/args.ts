// Argument helpers shared by the CLI's commands.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { VideoCodec } from '../publisher';

/** A bad command line: exit 2 with the usage. */
export class UsageError extends Error {}

export type Out = (line: string) => void;

export type Values = Record<string, string | string[] | boolean | undefined>;

/** 'strings': a string flag that may be repeated. With positionals: they are allowed and returned. */
export function parse(args: string[], spec: Record<string, 'string' | 'boolean' | 'strings'>, positionals = false):
  { values: Values; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { help: { type: 'boolean' } };
  for (const [name, type] of Object.entries(spec)) options[name] = type === 'strings' ? { type: 'string', multiple: true } : { type };
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals: positionals });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function required(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** --secret or --secret-file (its first line: keeps the secret out of the process list); undefined when neither. */
export function secretArgument(values: Values): string | undefined {
  if (values['secret'] !== undefined && values['secret-file'] !== undefined) throw new UsageError('--secret and --secret-file exclude each other');
  if (values['secret-file'] === undefined) return values['secret'] as string | undefined;
  try {
    return readFileSync(values['secret-file'] as string, 'utf8').split(/\r?\n/)[0];
  } catch (err) {
    throw new UsageError(`cannot read --secret-file: ${(err as Error).message}`);
  }
}

/** A number flag within [min, max]; undefined when absent. */
export function numberArgument(values: Values, name: string, min: number, max: number): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (typeof text !== 'string' || text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, not ${String(text)}`);
  }
  return value;
}

/** The contents of the file a flag names (--tls-cert F, --ca-file F); undefined when the flag is absent. */
export function fileArgument(values: Values, name: string): Buffer | undefined {
  const file = values[name];
  if (file === undefined) return undefined;
  if (typeof file !== 'string' || file === '') throw new UsageError(`--${name} needs a file name`);
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`cannot read --${name} ${file}: ${(err as Error).message}`);
  }
}

/**
 * --redis URL or --redis-url-file F (its first line: a password in the URL then stays out of the
 * process list); undefined when neither is given.
 */
export function redisUrlArgument(values: Values): string | undefined {
  const inline = values['redis'] as string | undefined;
  const file = fileArgument(values, 'redis-url-file');
  if (inline !== undefined && file !== undefined) throw new UsageError('--redis and --redis-url-file exclude each other');
  const url = inline ?? file?.toString('utf8').split(/\r?\n/)[0]?.trim();
  if (url === '') throw new UsageError(file !== undefined ? '--redis-url-file holds no URL on its first line' : '--redis needs a URL');
  return url;
}

/** --size WIDTHxHEIGHT: even, 32x16 to 3840x2160; 640x360 when absent. */
export function videoSizeArgument(values: Values): { width: number; height: number } {
  if (values['size'] === undefined) return { width: 640, height: 360 };
  const match = /^(\d+)x(\d+)$/.exec(values['size'] as string);
  if (!match || Number(match[1]) % 2 || Number(match[2]) % 2 || Number(match[1]) < 32 || Number(match[2]) < 16
    || Number(match[1]) > 3840 || Number(match[2]) > 2160) {
    throw new UsageError(`--size must be WIDTHxHEIGHT, even, 32x16 to 3840x2160, not ${String(values['size'])}`);
  }
  return { width: Number(match[1]), height: Number(match[2]) };
}

const VIDEO_CODECS: readonly VideoCodec[] = ['VP8', 'VP9', 'H264'];

/** --codec VP8|VP9|H264; VP8 when absent. The API spells codecs as SDP and OpenTok do ('VP8'); the flag also takes 'vp8'. */
export function videoCodecArgument(values: Values): VideoCodec {
  const codec = ((values['codec'] as string | undefined) ?? 'VP8').toUpperCase();
  if (!(VIDEO_CODECS as readonly string[]).includes(codec)) throw new UsageError(`--codec must be VP8, VP9 or H264, not ${String(values['codec'])}`);
  return codec as VideoCodec;
}
