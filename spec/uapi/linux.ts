// The generic Linux flags the harness passes to open(2), mount(2), umount2(2) and capset(2), each declared once.
import { constant } from './dsl.js';

/** include/uapi/asm-generic/fcntl.h (x86_64 and arm64 values). */
export const O_FLAG = { O_WRONLY: 0o1, O_RDWR: 0o2, O_CREAT: 0o100, O_NONBLOCK: 0o4000, O_TMPFILE: 0o20200000 } as const;
/** include/uapi/linux/mount.h. */
export const MS_FLAG = { MS_RDONLY: 1, MS_NOSUID: 2, MS_NODEV: 4 } as const;
/** include/linux/fs.h (glibc's sys/mount.h repeats it): umount2's lazy detach. */
export const MNT_DETACH = 2;
/** include/uapi/linux/capability.h: capability numbers (bit n of a capability set). */
export const CAP = { CAP_IPC_LOCK: 14, CAP_SYS_ADMIN: 21 } as const;

export const LINUX_CONSTANTS = [
  ...Object.entries(O_FLAG).map(([k, v]) => constant(k, v, `include/uapi/asm-generic/fcntl.h:${k}`)),
  ...Object.entries(MS_FLAG).map(([k, v]) => constant(k, v, `include/uapi/linux/mount.h:${k}`)),
  constant('MNT_DETACH', MNT_DETACH, 'include/linux/fs.h:MNT_DETACH'),
  ...Object.entries(CAP).map(([k, v]) => constant(k, v, `include/uapi/linux/capability.h:${k}`)),
] as const;
