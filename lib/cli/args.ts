// Argument helpers shared by the CLI's commands.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

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
