// What a timeline row is about, from its id: a fingerprint field, the header check, the fuzz run, or a suite case.
export type RowKind = 'fingerprint' | 'layout' | 'fuzz' | 'case';

export const rowKind = (id: string): RowKind =>
  id.startsWith('fingerprint.') ? 'fingerprint' : id.startsWith('layout/') ? 'layout' : id.startsWith('fuzz/') ? 'fuzz' : 'case';
