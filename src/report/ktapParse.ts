// A KTAP v1 reader written from Documentation/dev-tools/ktap.rst (and KUnit's "# Subtest:" header): the oracle for our KTAP output.

export const DIRECTIVES = ['SKIP', 'TODO', 'XFAIL', 'TIMEOUT', 'ERROR'] as const;
export type Directive = (typeof DIRECTIVES)[number];

export interface KtapResult {
  readonly number: number;
  readonly ok: boolean;
  /** The description ('' when the line has none). */
  readonly name: string;
  readonly directive: Directive | null;
  /** Text after the directive, or after '#' when there is no directive. */
  readonly diagnostic: string;
  /** '#' lines at this level since the previous result line. */
  readonly diagnostics: readonly string[];
  /** The nested KTAP block just before this result line, if any. */
  readonly subtests: KtapBlock | null;
  readonly line: number;
}

export interface KtapBlock {
  readonly version: string;
  /** From a "# Subtest: NAME" line right after the version line (KUnit's convention). */
  readonly subtestName: string | null;
  /** N of the "1..N" plan line; null when the plan is omitted, which the spec allows. */
  readonly plan: number | null;
  readonly results: readonly KtapResult[];
}

export interface KtapParse {
  readonly root: KtapBlock | null;
  /** Every violation of the spec, each with its 1-based line number. */
  readonly errors: readonly string[];
  /** Lines of none of the four kinds: allowed by KTAP, and ignored. */
  readonly unknown: readonly string[];
}

const VERSION = /^(KTAP version 1|TAP version 13|TAP version 14)$/;
const PLAN = /^1\.\.(\d+)( # .*)?$/;
const RESULT = /^(ok|not ok) (\d+)(?: (.*))?$/;
const SUBTEST = /^# Subtest: (.*)$/;

type Kind = 'version' | 'plan' | 'result' | 'diagnostic' | 'unknown';
interface Line { readonly n: number; readonly indent: number; readonly text: string; readonly kind: Kind }

function classify(raw: string, n: number): Line {
  const text = raw.replace(/^ */, '');
  const indent = raw.length - text.length;
  const kind: Kind = VERSION.test(text) ? 'version' : PLAN.test(text) ? 'plan' : RESULT.test(text) ? 'result' : text.startsWith('#') ? 'diagnostic' : 'unknown';
  return { n, indent, text, kind };
}

/** A test failed: "not ok" without a directive that says the failure does not count. */
export const failed = (r: KtapResult): boolean => !r.ok && r.directive !== 'SKIP' && r.directive !== 'TODO' && r.directive !== 'XFAIL';

export function parseKtap(text: string): KtapParse {
  const lines = text.replace(/\n$/, '').split('\n').map((l, i) => classify(l, i + 1));
  const errors: string[] = [];
  const unknown: string[] = [];
  let i = 0;
  const err = (l: Line | undefined, msg: string) => errors.push(`line ${l?.n ?? lines.length}: ${msg}`);
  const skipUnknown = () => { while (lines[i]?.kind === 'unknown') unknown.push(lines[i++]!.text); };

  function result(l: Line, subtests: KtapBlock | null, diagnostics: string[]): KtapResult {
    const m = RESULT.exec(l.text)!;
    const rest = m[3] ?? '';
    const hash = rest.indexOf('#');
    // "[<description>][ # [<directive>] [<diagnostic data>]]": the description cannot contain '#'.
    if (hash > 0 && rest[hash - 1] !== ' ') err(l, `'#' must be preceded by a space: ${l.text}`);
    const after = hash < 0 ? null : rest.slice(hash + 1).trim();
    const word = after?.split(/\s+/)[0] ?? '';
    const directive = (DIRECTIVES as readonly string[]).includes(word) ? word as Directive : null;
    const diagnostic = after === null ? '' : directive ? after.slice(word.length).trim() : after;
    const ok = m[1] === 'ok';
    if (ok && (directive === 'TIMEOUT' || directive === 'ERROR')) err(l, `${directive} belongs on a "not ok" line: ${l.text}`);
    return { number: Number(m[2]), ok, name: (hash < 0 ? rest : rest.slice(0, hash)).trim(), directive, diagnostic, diagnostics, subtests, line: l.n };
  }

  /** A block at `indent`: version line, optional "# Subtest:" and plan, then results (each perhaps after a nested block). */
  function block(indent: number): KtapBlock {
    const version = lines[i++]!;
    let subtestName: string | null = null;
    let plan: number | null = null;
    if (lines[i]?.kind === 'diagnostic' && lines[i]!.indent === indent && SUBTEST.test(lines[i]!.text)) subtestName = SUBTEST.exec(lines[i++]!.text)![1]!.trim();
    // Diagnostic lines may appear anywhere, so also between the version line and the plan.
    const early: string[] = [];
    while ((lines[i]?.kind === 'diagnostic' && lines[i]!.indent === indent) || lines[i]?.kind === 'unknown') {
      const l = lines[i++]!;
      if (l.kind === 'unknown') unknown.push(l.text); else early.push(l.text.replace(/^# ?/, ''));
    }
    if (lines[i]?.kind === 'plan' && lines[i]!.indent === indent) plan = Number(PLAN.exec(lines[i++]!.text)![1]);
    const results: KtapResult[] = [];
    let pending: KtapBlock | null = null;
    let diagnostics: string[] = early;
    while (i < lines.length) {
      const l = lines[i]!;
      if (l.kind === 'unknown') { unknown.push(l.text); i++; continue; }
      // A less indented line, diagnostic or not, belongs to an enclosing block.
      if (l.indent < indent) break;
      if (l.kind === 'diagnostic') { diagnostics.push(l.text.replace(/^# ?/, '')); i++; continue; }
      if (l.kind === 'version' && l.indent === indent + 2) {
        if (pending) err(l, 'a nested block follows another without a result line for the first');
        pending = block(indent + 2);
        continue;
      }
      if (l.kind === 'result' && l.indent === indent) {
        const r = result(l, pending, diagnostics);
        if (r.number !== results.length + 1) err(l, `test number ${r.number}, want ${results.length + 1}`);
        if (pending?.subtestName !== null && pending?.subtestName !== undefined && pending.subtestName !== r.name) err(l, `result "${r.name}" closes "# Subtest: ${pending.subtestName}"`);
        if (pending && !failed(r) && pending.results.some(failed)) err(l, `"${r.name}" does not fail although one of its subtests failed`);
        results.push(r);
        pending = null;
        diagnostics = [];
        i++;
        continue;
      }
      if (l.indent === indent && l.kind === 'version') break;
      err(l, `unexpected ${l.kind} line at indentation ${l.indent} inside a block at ${indent}: ${l.text}`);
      i++;
    }
    if (pending) err(lines[i - 1], 'a nested block has no result line for its parent');
    if (plan !== null && plan !== results.length) err(version, `plan 1..${plan} but ${results.length} results`);
    return { version: version.text, subtestName, plan, results };
  }

  skipUnknown();
  while (lines[i]?.kind === 'diagnostic') unknown.push(lines[i++]!.text);
  if (lines[i]?.kind !== 'version' || lines[i]!.indent !== 0) {
    err(lines[i], 'KTAP output must begin with a version line (KTAP version 1, TAP version 13 or 14)');
    return { root: null, errors, unknown };
  }
  const root = block(0);
  for (; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.kind === 'unknown') unknown.push(l.text);
    else if (l.kind !== 'diagnostic') err(l, `${l.kind} line after the end of the top-level block: ${l.text}`);
  }
  return { root, errors, unknown };
}
