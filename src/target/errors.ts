// What a target throws when a case got no answer from the kernel under test: the suite turns each into a verdict.
/** A step passed its deadline: the worker was killed (verdict TIMEOUT). */
export class TimeoutError extends Error {}
/** The worker died or could not answer: the harness, not the kernel under test, failed (verdict ERROR). */
export class HarnessError extends Error {}
/** The kernel logged a splat or left a problem at teardown during the case (verdict FAIL). */
export class KernelHealthError extends Error {}
