// The one typed seam to the C++ probe: positional primitives and Buffers in, raw results out (negative errno).
export interface NativeProbe {
  open(path: string, flags: number): number;
  close(fd: number): number;
  /** ioctl(fd, request, 0): its result or -errno (used for FUSE_DEV_IOC_SYNC_INIT). */
  ioctl(fd: number, request: number): number;
  /** Buffer with what was read, or -errno (-ETIMEDOUT when nothing arrived within timeoutMs). */
  read(fd: number, size: number, timeoutMs: number): Buffer | number;
  write(fd: number, data: Buffer): number;
  mount(source: string, target: string, fstype: string, flags: number, data: string): number;
  umount2(target: string, flags: number): number;
  /** PR_SET_PDEATHSIG(SIGKILL) on the calling process. */
  setDeathSignal(): number;
  /** io_uring_setup + mmap; the ring fd, or -errno. */
  ringSetup(entries: number, flags: number): number;
  /**
   * Copies sqe (64 or 128 bytes) into the next SQE and enters; submitted count or -errno. A submission found asleep
   * in FUSE code (interruptible) is interrupted by a signal; ringSubmitBlocked() then says where it slept.
   * watched=false leaves a sleeping submission alone (it then waits for whatever ends it: the step deadline).
   */
  ringSubmit(ring: number, sqe: Buffer, watched?: boolean): number;
  /** The wchan where the last ringSubmit slept before it was interrupted, or null if it never blocked. */
  ringSubmitBlocked(): string | null;
  /** Waits up to timeoutMs for a CQE, then returns up to max [user_data, res, flags] rows; or -errno. */
  ringReap(ring: number, timeoutMs: number, max: number): Array<[bigint, number, number]> | number;
  ringRegister(ring: number, opcode: number, arg: Buffer, nr: number): number;
  ringClose(ring: number): number;
  /** Page-aligned anonymous mapping as an ArrayBuffer, or -errno. */
  alloc(size: number): ArrayBuffer | number;
  addressOf(buf: ArrayBuffer | ArrayBufferView): bigint;
  unmappedAddress(): bigint | number;
  /** Forks a child doing op (0 stat, 1 read, 2 write, 3 umount2 MNT_DETACH, 4 stat `size` times) on path pinned to cpu; its pid or -errno. */
  clientSpawn(op: 0 | 1 | 2 | 3 | 4, path: string, cpu: number, size: number): number;
  /** errno the child exited with (0 success), -1 still running, -2 killed by a signal. */
  clientReap(pid: number, timeoutMs: number): number;
  kill(pid: number, signal: number): number;
  /** Calling thread's effective capabilities := permitted & ~clearMask (bit n = capability n); 0n restores; 0 or -errno. */
  capSetEffective(clearMask: bigint): number;
}
