// When a step is over: decided from what the kernel says each task is doing, not from a quiet period.
import { fstatSync, openSync, readdirSync } from 'node:fs';
import { readProc } from './procfs.js';
import { asleepInFuse, taskState } from './clients.js';

const tidsNow = (): string[] => { try { return readdirSync('/proc/self/task'); } catch { return []; } };
/** Node's own threads, there before any ring: everything else is io_uring's or the addon's watch. */
const NODE_THREADS = new Set(tidsNow());
/** The addon's submit watch (one thread, started with the first submission and kept for the process's life). */
const WATCH = new Set<string>();

let taskDir = -1;
/**
 * This process's thread count, or -1 when it cannot be had: /proc/self/task's link count is 2 plus the threads
 * (proc_task_getattr), an fstat of a held fd (3 µs here) where /proc/self/stat is generated thread by thread (6.4 µs).
 */
function threadCount(): number {
  try {
    if (taskDir < 0) taskDir = openSync('/proc/self/task', 'r');
    return fstatSync(taskDir).nlink - 2;
  } catch { return -1; }
}

/**
 * io_uring's io-wq workers of this process (threads named iou-wrk-<pid>) that are doing something: a command
 * punted there (an -EAGAIN before INIT is reissued from io-wq) completes only when its worker has run it.
 * A thread that is neither Node's nor named yet is an io-wq worker being born (it starts as a copy of "node").
 */
export function busyIoWorkers(): string[] {
  // Most rounds have no io-wq worker at all: one read of the thread count says so without listing the threads.
  const n = threadCount();
  if (n === NODE_THREADS.size + WATCH.size) { WORKERS.clear(); return []; }
  // The io-wq workers listed last time, as many threads as then and each still there: no listing needed (a worker that
  // exited while another was born is not read, and sends us to the listing).
  if (n === NODE_THREADS.size + WATCH.size + WORKERS.size) {
    const busy: string[] = [];
    let gone = false;
    for (const tid of WORKERS) {
      const b = workerBusy(tid);
      if (b === 'gone') { gone = true; break; }
      if (b) busy.push(b);
    }
    if (!gone) return busy;
  }
  WORKERS.clear();
  const busy: string[] = [];
  for (const tid of tidsNow()) {
    if (NODE_THREADS.has(tid) || WATCH.has(tid)) continue;
    const comm = readProc(`/proc/self/task/${tid}/comm`);
    if (comm === null) continue;
    if (comm.startsWith('furc-watch')) { WATCH.add(tid); continue; }
    if (!comm.startsWith('iou-wrk')) { busy.push(`thread ${tid} (${comm.trim()}) just created`); continue; }
    WORKERS.add(tid);
    const b = workerBusy(tid);
    if (b && b !== 'gone') busy.push(b);
  }
  return busy;
}

/** io-wq workers (tids) of the last listing. */
const WORKERS = new Set<string>();

/** What an io-wq worker is doing: '' when idle, 'gone' when it has exited, else a line saying what. */
function workerBusy(tid: string): string {
  const t = taskState(process.pid, Number(tid));
  if (t.state === 'X') return 'gone';
  // An idle worker sleeps in io_wq_worker waiting for work; anything else is work in progress.
  if ((t.state === 'S' || t.state === 'I') && /io_wq_worker|schedule_timeout/.test(t.wchan)) return '';
  return `iou-wrk (tid ${tid}) state ${t.state} wchan ${t.wchan}`;
}

/** Clients (by pid) that are neither done nor asleep in a FUSE wait: running, or sleeping somewhere else. */
export function wakefulClients(pids: readonly number[]): string[] {
  return pids.flatMap((pid) => {
    const t = taskState(pid);
    return asleepInFuse(t) ? [] : [`client pid ${pid} state ${t.state} wchan ${t.wchan || '-'}`];
  });
}
