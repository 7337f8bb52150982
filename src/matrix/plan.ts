// A matrix's builds before anything is fetched or booted: a label, where it comes from, and how to get its files.

/** The files one build runs from; `report` stands in for a guest (a build already run elsewhere). */
export interface Prepared {
  readonly kernel?: string;
  readonly modules?: string;
  readonly report?: string;
  readonly header: string | null;
  /** Why there is no header, when there is none. */
  readonly noHeader: string;
  readonly provenance: readonly string[];
}

export interface PlanItem {
  readonly label: string;
  readonly source: string;
  /** The cache entry it uses, which pruning must not remove during the run. */
  readonly cacheId?: string;
  /** Fetches what the build needs (nothing for a user's own files) and says where it is. */
  readonly prepare: (note: (s: string) => void) => Promise<Prepared>;
}

/** Labels become column names and file names: keep them short and plain. */
export const LABEL = /^[A-Za-z0-9][A-Za-z0-9._+~-]{0,63}$/;
