// What counts as the kernel going wrong in its log: the worker's health gate and furc vm's splat attribution both use this one list.
export const SPLAT = /WARNING:|BUG:|Oops|KASAN|UBSAN|blocked for more than|hung_task|Kernel panic/;
