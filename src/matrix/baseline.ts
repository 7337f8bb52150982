// Expected changes of a matrix: furc diff's baseline file, with `*` globs in id, a and b, and `to` naming the build.
import { globMatch } from '../glob.js';
import { loadBaseline } from '../report/diff.js';

export interface ExpectedChange {
  readonly id: string;
  readonly a?: string;
  readonly b?: string;
  /** The build where the new outcome first shows (a label glob such as `6.18.*`). */
  readonly to?: string;
  readonly why?: string;
}

export interface MatrixBaseline { readonly expected: readonly ExpectedChange[] }

export const NO_BASELINE: MatrixBaseline = { expected: [] };

export const loadMatrixBaseline = (path: string): MatrixBaseline => loadBaseline(path) as MatrixBaseline;

/** The baseline entry that expects `id` going from `a` to `b` at build `to`, if any. */
export function expectedBy(bl: MatrixBaseline, id: string, a: string, b: string, to: string): ExpectedChange | undefined {
  return bl.expected.find((e) => globMatch(e.id, id) && (e.a === undefined || globMatch(e.a, a)) && (e.b === undefined || globMatch(e.b, b))
    && (e.to === undefined || globMatch(e.to, to)));
}
