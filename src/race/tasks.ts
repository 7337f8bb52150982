// What this process's threads and its clients are doing in the kernel: io-wq work in progress, kernel stacks.
import { readdirSync, readFileSync } from 'node:fs';
import { taskState } from '../kernel/clients.js';

const read = (p: string): string => { try { return readFileSync(p, 'utf8').trim(); } catch (e) { return `(${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`; } };
const tids = (): string[] => { try { return readdirSync('/proc/self/task'); } catch { return []; } };

/** io_uring's io-wq workers of this process that are doing something (an idle one sleeps in io_wq_worker). */
export function busyIoWorkers(): string[] {
  return tids().flatMap((tid) => {
    const comm = read(`/proc/self/task/${tid}/comm`);
    if (!comm.startsWith('iou-wrk')) return [];
    const t = taskState(process.pid, Number(tid));
    return t.state === 'X' || ((t.state === 'S' || t.state === 'I') && /io_wq_worker|schedule_timeout/.test(t.wchan)) ? [] : [`${comm} (tid ${tid}) state ${t.state} wchan ${t.wchan}`];
  });
}

/** One thread of this process: state, wchan and kernel stack (/proc/self/task/<tid>/stack, root only). */
export function threadStack(tid: number, what: string): string {
  const t = taskState(process.pid, tid);
  const stack = read(`/proc/self/task/${tid}/stack`).split('\n').map((l) => `    ${l}`).join('\n');
  return `  ${what} (tid ${tid}) state ${t.state} wchan ${t.wchan || '-'}\n${stack}`;
}

/** Tasks of this process in D state (uninterruptible): none may be left after an iteration. */
export function uninterruptible(): string[] {
  return tids().filter((tid) => taskState(process.pid, Number(tid)).state === 'D').map((tid) => threadStack(Number(tid), read(`/proc/self/task/${tid}/comm`)));
}
