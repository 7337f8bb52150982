import { describe, expect, it } from 'vitest';
import { firstError } from './build.js';

const TREE = '/var/cache/furc/kbuild/slots/abc/tree';

describe('the one line of a failed kernel build', () => {
  it('should be the first gcc error, with the slot tree path taken off, not the make lines after it', () => {
    const log = [
      '  CC      fs/fuse/dev.o',
      `${TREE}/fs/fuse/dev_uring.c: In function 'fuse_uring_cmd':`,
      `${TREE}/fs/fuse/dev_uring.c:1246:24: error: 'EAGAINX' undeclared (first use in this function)`,
      `${TREE}/fs/fuse/dev_uring.c:1250:9: error: expected ';' before 'return'`,
      'make[5]: *** [scripts/Makefile.build:287: fs/fuse/dev_uring.o] Error 1',
      'make: *** [Makefile:248: __sub-make] Error 2',
    ].join('\n');
    expect(firstError(log, TREE)).toBe("fs/fuse/dev_uring.c:1246:24: error: 'EAGAINX' undeclared (first use in this function)");
  });

  it('should name an undefined symbol at link time', () => {
    expect(firstError('  LD      vmlinux.o\nld: vmlinux.o: in function `fuse_uring_cmd\':\ndev_uring.c:(.text+0x12): undefined reference to `fuse_uring_nope\'\nmake: *** [Makefile:1] Error 2', TREE))
      .toBe("dev_uring.c:(.text+0x12): undefined reference to `fuse_uring_nope'");
  });

  it('should fall back to the first make error line when no compiler said why', () => {
    expect(firstError('  CC      init/main.o\nmake[2]: *** No rule to make target \'fs/fuse/gone.o\', needed by \'fs/fuse/built-in.a\'.  Stop.\nmake: *** Error 2', TREE))
      .toBe("make[2]: *** No rule to make target 'fs/fuse/gone.o', needed by 'fs/fuse/built-in.a'.  Stop.");
  });
});
