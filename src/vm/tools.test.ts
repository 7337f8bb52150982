import { afterEach, describe, expect, it } from 'vitest';
import { findBusybox, VmError } from './tools.js';

describe('findBusybox', () => {
  afterEach(() => { delete process.env.FURC_BUSYBOX; });

  it('should refuse FURC_BUSYBOX=/bin/ls, a dynamically linked program, naming busybox-static', () => {
    process.env.FURC_BUSYBOX = '/bin/ls';
    expect(() => findBusybox()).toThrow(VmError);
    expect(() => findBusybox()).toThrow('FURC_BUSYBOX=/bin/ls is not a statically linked executable (want the busybox of Debian\'s busybox-static)');
  });

  it('should refuse FURC_BUSYBOX pointing at a file that does not exist', () => {
    process.env.FURC_BUSYBOX = '/nonexistent/busybox';
    expect(() => findBusybox()).toThrow(/^FURC_BUSYBOX=\/nonexistent\/busybox is not a statically linked executable/);
  });
});
