// Linux errno values used by the spec (asm-generic/errno-base.h, errno.h); the one name table.

export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EROFS: 30,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  EPIPE: 32,
  ENOSYS: 38,
  EALREADY: 114,
  EOPNOTSUPP: 95,
  ENOBUFS: 105,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNABORTED: 103,
  ECONNREFUSED: 111,
  ECANCELED: 125,
  ERESTARTSYS: 512,
  EIOCBQUEUED: 529,
} as const;

export type ErrnoName = keyof typeof ERRNO;

const BY_VALUE = new Map<number, ErrnoName>(
  (Object.entries(ERRNO) as [ErrnoName, number][]).map(([k, v]) => [v, k]),
);

/** The negative errno a kernel call returns: negErrno('EINVAL') === -22. */
export const negErrno = (n: ErrnoName): number => -ERRNO[n];

/** Names a result: 0 → "0", -22 → "-EINVAL", unknown → "-N". */
export function errnoName(res: number): string {
  if (res >= 0) return String(res);
  const name = BY_VALUE.get(-res);
  return name ? `-${name}` : String(res);
}

/** Parses "EINVAL", "-EINVAL" or "-22" into a negative result. */
export function parseErrno(text: string): number | undefined {
  const t = text.trim().replace(/^-/, '');
  if (/^\d+$/.test(t)) return -Number(t);
  return t in ERRNO ? -ERRNO[t as ErrnoName] : undefined;
}
