// One argv parser for every command: options declared as data, read strictly by node:util parseArgs, usage made from the declaration.
import { parseArgs } from 'node:util';
import { match } from 'ts-pattern';
import { UsageError } from '../../spec/errors.js';
import { checkOutput } from './outputs.js';

/** One option of a command; `value` names the argument in the usage line (FILE, N). */
export type Option =
  | { readonly kind: 'flag'; readonly help: string }
  | { readonly kind: 'string'; readonly value: string; readonly help: string; readonly required?: true }
  | { readonly kind: 'int'; readonly value: string; readonly help: string; readonly min?: number; readonly max?: number }
  | { readonly kind: 'enum'; readonly values: readonly string[]; readonly help: string }
  /** Given any number of times (furc kernel build's --patch): the values in order. */
  | { readonly kind: 'list'; readonly value: string; readonly help: string }
  /** A path furc writes: a file, or a directory it writes files into; checked before any work. */
  | { readonly kind: 'outFile' | 'outDir'; readonly value: string; readonly help: string; readonly default?: string };

export interface Command {
  /** As typed after `furc`: `run`, `spec diff`. */
  readonly name: string;
  readonly help: string;
  readonly options: Readonly<Record<string, Option>>;
  /** Positional arguments by name; `variadic` takes any number of the last one. */
  readonly positionals?: { readonly names: readonly string[]; readonly variadic?: true };
  /** What follows the options, as shown in the usage line (furc vm's `-- <furc arguments>`). */
  readonly tail?: string;
}

type ValueOf<O extends Option> =
  O extends { kind: 'flag' } ? boolean
  : O extends { kind: 'int' } ? number | undefined
  : O extends { kind: 'enum'; values: readonly (infer V)[] } ? V | undefined
  : O extends { kind: 'list' } ? readonly string[]
  : O extends { required: true } | { default: string } ? string
  : string | undefined;

export interface Parsed<C extends Command> {
  readonly values: { readonly [K in keyof C['options']]: ValueOf<C['options'][K]> };
  readonly positionals: readonly string[];
}

const shape = (name: string, o: Option): string => match(o)
  .with({ kind: 'flag' }, () => `--${name}`)
  .with({ kind: 'enum' }, (e) => `--${name} ${e.values.join('|')}`)
  .with({ kind: 'string' }, { kind: 'int' }, { kind: 'outFile' }, { kind: 'outDir' }, (v) => `--${name} ${v.value}`)
  .with({ kind: 'list' }, (v) => `--${name} ${v.value}…`)
  .exhaustive();

export function usageLine(cmd: Command): string {
  const opts = Object.entries(cmd.options).map(([n, o]) => (o.kind === 'string' && o.required ? shape(n, o) : `[${shape(n, o)}]`));
  const pos = cmd.positionals ? cmd.positionals.names.map((p, i, all) => (cmd.positionals!.variadic && i === all.length - 1 ? `[${p}…]` : p)) : [];
  return ['furc', cmd.name, ...pos, ...opts, ...(cmd.tail ? [cmd.tail] : [])].join(' ');
}

/** The usage line, then one line per option with its help. */
export function helpText(cmd: Command): string {
  const rows = Object.entries(cmd.options).map(([n, o]) => [shape(n, o), o.help] as const);
  const w = Math.max(0, ...rows.map(([s]) => s.length));
  return [`usage: ${usageLine(cmd)}`, `  ${cmd.help}`, ...rows.map(([s, h]) => `  ${s.padEnd(w)}  ${h}`)].join('\n');
}

/** parseArgs' own messages run over several lines; ours name the option and stay on one. */
function oneLine(e: unknown, cmd: Command, argv: readonly string[]): string {
  const { code, message } = e as { code?: string; message: string };
  const quoted = /'([^' ]+)/.exec(message)?.[1] ?? '?';
  const next = argv[argv.indexOf(quoted) + 1];
  return match(code)
    .with('ERR_PARSE_ARGS_UNKNOWN_OPTION', () => `unknown option '${quoted}' (usage: ${usageLine(cmd)})`)
    .with('ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL', () => `unexpected argument '${quoted}' (usage: ${usageLine(cmd)})`)
    .with('ERR_PARSE_ARGS_INVALID_OPTION_VALUE', () => message.includes('does not take') ? `${quoted} takes no value`
      : message.includes('ambiguous') ? `${quoted} needs a value, not '${next}' (write ${quoted}=${next} for a value that starts with '-')`
      : `${quoted} needs a value`)
    .otherwise(() => { throw e; });
}

function convert(name: string, o: Option, v: string | boolean | string[] | undefined): unknown {
  return match(o)
    .with({ kind: 'list' }, () => (Array.isArray(v) ? v : []))
    .with({ kind: 'flag' }, () => v === true)
    .with({ kind: 'string' }, (s) => {
      if (v === undefined && s.required) throw new UsageError(`--${name} ${s.value} is required`);
      return v;
    })
    .with({ kind: 'int' }, (n) => {
      if (v === undefined) return undefined;
      const range = n.min !== undefined && n.max !== undefined ? ` from ${n.min} to ${n.max}` : '';
      const x = /^\d+$/.test(String(v)) ? Number(v) : NaN;
      if (!Number.isSafeInteger(x) || (n.min !== undefined && x < n.min) || (n.max !== undefined && x > n.max)) throw new UsageError(`--${name} takes a whole number${range}, got '${v}'`);
      return x;
    })
    .with({ kind: 'enum' }, (e) => {
      if (v !== undefined && !e.values.includes(String(v))) throw new UsageError(`unknown ${name} '${v}' (known: ${e.values.join(', ')})`);
      return v;
    })
    .with({ kind: 'outFile' }, { kind: 'outDir' }, (p) => v ?? p.default)
    .exhaustive();
}

/** The output paths among parsed values, with their flags: what `checkOutput` must accept before any work. */
export function outputsOf<C extends Command>(cmd: C, p: Parsed<C>): { flag: string; path: string; kind: 'file' | 'dir' }[] {
  return Object.entries(cmd.options).flatMap(([n, o]) => {
    const v = (p.values as Record<string, unknown>)[n];
    return (o.kind === 'outFile' || o.kind === 'outDir') && typeof v === 'string' ? [{ flag: `--${n}`, path: v, kind: o.kind === 'outFile' ? 'file' as const : 'dir' as const }] : [];
  });
}

/**
 * Reads `argv` against the declaration: unknown option, missing value, bad number or enum value, wrong positional count,
 * or an output path that cannot be written is one-line UsageError. `under` confines output paths to a directory.
 */
export function parse<C extends Command>(cmd: C, argv: readonly string[], under?: string): Parsed<C> {
  const options = Object.fromEntries(Object.entries(cmd.options).map(([n, o]) => [n, { type: o.kind === 'flag' ? 'boolean' as const : 'string' as const, multiple: o.kind === 'list' }]));
  let got: ReturnType<typeof parseArgs>;
  try {
    got = parseArgs({ args: [...argv], options, strict: true, allowPositionals: cmd.positionals !== undefined });
  } catch (e) { throw new UsageError(oneLine(e, cmd, argv)); }
  const values = Object.fromEntries(Object.entries(cmd.options).map(([n, o]) => [n, convert(n, o, got.values[n] as string | boolean | string[] | undefined)]));
  const want = cmd.positionals?.names.length ?? 0;
  const n = got.positionals.length;
  if (cmd.positionals && (cmd.positionals.variadic ? n < want - 1 : n !== want)) throw new UsageError(`usage: ${usageLine(cmd)}`);
  const parsed = { values, positionals: got.positionals } as unknown as Parsed<C>;
  for (const o of outputsOf(cmd, parsed)) checkOutput(o.flag, o.path, o.kind, under);
  return parsed;
}
