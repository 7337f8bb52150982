// The one typed seam to the C++ probe: positional primitives and Buffers in, raw results out (negative errno).
// Every verb's results are listed; the state a verb keeps (rings, mappings, the race) belongs to the calling environment
// (the main thread or one worker thread) and ends with it.
export interface NativeProbe {
  /** open(2) with O_CLOEXEC added: the fd, or -errno. */
  open(path: string, flags: number): number;
  /** close(2), called once: 0, or -errno. */
  close(fd: number): number;
  /** ioctl(fd, request, 0): its result or -errno (used for FUSE_DEV_IOC_SYNC_INIT). */
  ioctl(fd: number, request: number): number;
  /** ppoll(2) for readability on up to 30 fds (timeoutMs may be a fraction): bit i set when fds[i] is readable or hung up; 0 when the wait timed out. */
  waitAny(fds: readonly number[], timeoutMs: number): number;
  /** Buffer with what was read, or -errno (-ETIMEDOUT when nothing arrived within timeoutMs). */
  read(fd: number, size: number, timeoutMs: number): Buffer | number;
  /** write(2): bytes written, or -errno. */
  write(fd: number, data: Buffer): number;
  /** pipe2(O_CLOEXEC): [read fd, write fd], or -errno. */
  pipe(): [number, number] | number;
  /** mount(2): 0, or -errno. */
  mount(source: string, target: string, fstype: string, flags: number, data: string): number;
  /** umount2(2): 0, or -errno. */
  umount2(target: string, flags: number): number;
  /** PR_SET_PDEATHSIG(SIGKILL) on the calling process: 0, or -errno. */
  setDeathSignal(): number;
  /** io_uring_setup + mmap; the ring fd, or -errno. */
  ringSetup(entries: number, flags: number): number;
  /**
   * Copies sqe (64 or 128 bytes) into the next SQE and enters; submitted count or -errno (-EBADF: not a ring of
   * ringSetup). A submission found asleep in FUSE code (interruptible) is interrupted by a signal; ringSubmitBlocked()
   * then says where it slept.
   * watched=false leaves a sleeping submission alone (it then waits for whatever ends it: the step deadline); a number
   * of ms looks that soon (and as often after) instead of after the sample period (watchPeriod), for a submission
   * expected to sleep.
   */
  ringSubmit(ring: number, sqe: Buffer, watched?: boolean | number): number;
  /**
   * on: from now until holdSignals(false) the calling thread holds every signal but the submit watch's own, as each
   * ringSubmit otherwise does for itself (two mask changes per submission); 0. Forked clients reset their mask.
   */
  holdSignals(on: boolean): number;
  /**
   * The submit watch's sample period in ms (5 until set): a watched submission is looked at once it has lasted that
   * long. It applies from the next time the watch starts sampling (its first submission, or the first after a quiet spell). 0, or
   * -EINVAL unless 0 < ms < 60,000.
   */
  watchPeriod(ms: number): number;
  /** The wchan where the last ringSubmit slept before it was interrupted, or null if it never blocked. */
  ringSubmitBlocked(): string | null;
  /**
   * Waits up to timeoutMs for a CQE, then copies as many whole CQEs as fit into `into`, each as the kernel wrote it
   * (struct io_uring_cqe: 16 bytes, 32 on an IORING_SETUP_CQE32 ring), and consumes them: the count, or -errno (-EBADF:
   * not a ring of ringSetup).
   */
  ringReap(ring: number, timeoutMs: number, into: Uint8Array): number;
  /** io_uring_register(2): its result, or -errno (-EBADF: not a ring of ringSetup). */
  ringRegister(ring: number, opcode: number, arg: Buffer, nr: number): number;
  /** Unmaps and closes the ring (which cancels its pending commands): 0, or -EBADF when it is not a ring of ringSetup. */
  ringClose(ring: number): number;
  /** Page-aligned anonymous mapping as an ArrayBuffer, or -errno; with `at`, mapped exactly there or -EEXIST. */
  alloc(size: number, at?: bigint): ArrayBuffer | number;
  /** mprotect of whole pages [offset, offset+len) of an alloc()ed buffer; prot is PROT_READ 1 | PROT_WRITE 2 (0: none); 0, or -errno (-EINVAL: not an alloc()ed buffer). */
  protect(buf: ArrayBuffer, offset: number, len: number, prot: number): number;
  /** munmap of whole pages of an alloc()ed buffer; JS must never touch them again (the finalizer skips them); 0, or -errno (-EINVAL: not an alloc()ed buffer). */
  unmap(buf: ArrayBuffer, offset: number, len: number): number;
  /** madvise(MADV_DONTNEED) of every page of an alloc()ed buffer whose pages are all still mapped: it reads as zeros again; 0, or -errno (-EINVAL: not an alloc()ed buffer, or a page of it unmapped). */
  discard(buf: ArrayBuffer): number;
  addressOf(buf: ArrayBuffer | ArrayBufferView): bigint;
  /**
   * Forks n client processes now (before any ring or mount exists): [pid, socket fd] each. A client reads one
   * 512-byte ClientOp at a time from its socket and answers with a 24-byte ClientResult (native-probe/src/clientProto.h).
   * -errno when a socketpair or fork fails.
   */
  clientPool(n: number): Array<[number, number]> | number;
  /**
   * waitpid: exit status (>= 0), -signal if a signal ended it (-1 … -64), -1000 still running (block false), -1001 not
   * our child (waitpid failed): the last two lie below every signal number, so they cannot be mistaken for one.
   */
  childExit(pid: number, block: boolean): number;
  /** flock(2): 0 or -errno; operation LOCK_SH 1, LOCK_EX 2, LOCK_NB 4, LOCK_UN 8; a blocking one waits at most timeoutMs (-ETIMEDOUT). */
  flock(fd: number, operation: number, timeoutMs?: number): number;
  /** kill(2): 0, or -errno. */
  kill(pid: number, signal: number): number;
  /** Calling thread's effective capabilities := permitted & ~clearMask (bit n = capability n); 0n restores; 0 or -errno. */
  capSetEffective(clearMask: bigint): number;
  /**
   * Starts a race program (native-probe/src/raceProto.h: header, then steps) on one thread per program thread, over
   * `arena` (the memory its arena offsets name) and `fds` (its fd slots). 0, or -EBUSY while this environment's race is
   * live (or stuck), -EINVAL for a malformed program, -errno when a thread cannot start. When the environment ends with
   * its race unfinished, the race is stopped and joined (leaked if its threads stay stuck in the kernel).
   */
  raceStart(program: Buffer, arena: ArrayBuffer, fds: readonly number[]): number;
  /** Waits up to timeoutMs; the number of threads still running their steps (0: every one reached END or exited); -ENOENT without a race. */
  raceWait(timeoutMs: number): number;
  /** Logs the CQEs that ring slot `slot` posts within timeoutMs; how many, or -errno (-ENOENT without a race). */
  raceReap(slot: number, timeoutMs: number): number;
  /** Makes every blocking step (barrier, wait, spin) end now with status STOPPED: 0, or -ENOENT without a race. */
  raceStop(): number;
  /** What the race did so far: per thread [tid, state, pc]; recorded steps; every CQE reaped (with its snapshot); -ENOENT without a race. */
  raceState(): RaceState | number;
  /**
   * Closes the rings still open, releases the threads and joins them; how many could not be joined (stuck in the kernel:
   * the race then stays, and raceStart and raceFinish answer -EBUSY); -ENOENT without a race.
   */
  raceFinish(timeoutMs: number): number;
}

/** state: 0 new, 1 running, 2 held at END, 3 exited; status: 0 ok, 1 timeout, 2 closed, 3 stopped; times in ns from start. */
export interface RaceState {
  readonly threads: Array<[tid: number, state: number, pc: number]>;
  readonly rows: Array<[thread: number, step: number, tag: number, status: number, res: number, t0: number, t1: number]>;
  readonly cqes: Array<[ring: number, userData: bigint, res: number, flags: number, t: number, consumed: boolean, snapshot: Buffer | null]>;
  readonly dropped: number;
}
