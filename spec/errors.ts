// The one base class for "the input is wrong" (a name, a file, an argument): furc prints its message on one line and exits 2.
export class UsageError extends Error {}
