// The guest's /init (busybox sh): mounts, modules, the host's root over 9p, then furc in a chroot; every failure names what is missing.

export interface Share { readonly tag: string; readonly hostPath: string; readonly guestPath: string; readonly readonly: boolean }

/** The kernel hands FURC_TIME_SCALE=N and FURC_NODE_FLAGS from its command line to /init's environment; furc gets them from there. */
export interface InitPlan {
  /** Module basenames under /lib/modules in the initramfs, in load order. */
  readonly modules: readonly string[];
  /** Shares mounted under /host, in order (the host root first). */
  readonly shares: readonly Share[];
  readonly cwd: string;
  /** node, then furc's script and arguments: the command line's FURC_NODE_FLAGS go between node and the script. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** A shell command run in the guest (chrooted, in cwd) before furc, e.g. a sysctl; its failure stops the run. */
  readonly setup?: string;
}

/** Lines the host looks for on the serial console. */
export const MARK = { stage: 'furc-init: ', fatal: 'FURC-FATAL: ', done: 'FURC-DONE' } as const;

export const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Shell words for node `argv[0]` running `argv[1..]`, with the node flags the kernel command line gives /init as
 * FURC_NODE_FLAGS (none when it has none): flags of node's own, which a furc process hands on to its workers.
 */
export const nodeCommand = (argv: readonly string[]): string => [q(argv[0]!), '$FURC_NODE_FLAGS', ...argv.slice(1).map(q)].join(' ');

/** The host root is mounted at /host; writable shares and guest filesystems go on top of it. */
const GUEST_FS: readonly [string, string][] = [['proc', '/proc'], ['sysfs', '/sys'], ['devtmpfs', '/dev'], ['tmpfs', '/tmp'], ['tmpfs', '/run']];

export function initScript(plan: InitPlan): string {
  const p9 = (ro: boolean) => `trans=virtio,version=9p2000.L,msize=512000,${ro ? 'ro,cache=loose' : 'cache=none'}`;
  const [root, ...rest] = plan.shares;
  if (!root || root.guestPath !== '/') throw new Error('initScript: the first share must be the host root');
  return `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /host /out /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
say() { echo "${MARK.stage}$*" > /dev/console; }
fatal() { echo "${MARK.fatal}$*" > /dev/console; sync; reboot -f; sleep 5; exit 1; }
mount -t proc proc /proc || fatal "cannot mount /proc: the kernel lacks CONFIG_PROC_FS"
mount -t sysfs sysfs /sys || fatal "cannot mount /sys: the kernel lacks CONFIG_SYSFS"
mount -t devtmpfs devtmpfs /dev || fatal "cannot mount devtmpfs on /dev: the kernel lacks CONFIG_DEVTMPFS"
say "booted $(uname -r)"
for m in ${plan.modules.map(q).join(' ')}; do
  name=\${m%.ko}
  [ -d /sys/module/$name ] && continue
  out=$(insmod /lib/modules/$m 2>&1) || fatal "insmod $m failed: $out (do --modules and --kernel belong to the same build?)"
done
grep -qw 9p /proc/filesystems || fatal "the kernel has no 9p filesystem: CONFIG_9P_FS is neither built in nor given as a module (pass --modules DIR)"
[ -d /sys/bus/virtio ] || fatal "the kernel has no virtio bus: CONFIG_VIRTIO is neither built in nor given as a module (pass --modules DIR)"
[ -d /sys/bus/virtio/drivers/9pnet_virtio ] || fatal "the kernel has no 9p virtio transport: CONFIG_NET_9P_VIRTIO is neither built in nor given as a module"
ls /sys/bus/virtio/devices/ 2>/dev/null | grep -q . || fatal "no virtio device appeared: CONFIG_VIRTIO_PCI is neither built in nor given as a module"
mount -t 9p -o ${p9(true)} ${q(root.tag)} /host || fatal "cannot mount the host root over 9p (tag ${root.tag})"
${GUEST_FS.map(([t, d]) => `mount -t ${t} ${t} /host${d} || fatal "cannot mount ${t} on /host${d}"`).join('\n')}
mkdir -p /host/dev/shm && mount -t tmpfs tmpfs /host/dev/shm
mount -t 9p -o ${p9(false)} furcout /out || fatal "cannot mount the report share over 9p"
${rest.map((s) => `mkdir -p /host${q(s.guestPath)} 2>/dev/null; mount -t 9p -o ${p9(s.readonly)} ${q(s.tag)} /host${q(s.guestPath)} || fatal "cannot mount ${s.hostPath} over 9p"`).join('\n')}
[ -c /dev/fuse ] || say "no /dev/fuse: the kernel has no FUSE (CONFIG_FUSE_FS); furc will say what that skips"
${plan.setup ? `say "guest setup: "${q(plan.setup)}
chroot /host /bin/sh -c 'cd "$1" && exec /bin/sh -c "$2"' sh ${q(plan.cwd)} ${q(plan.setup)} > /dev/console 2>&1 < /dev/null || fatal "the guest setup command failed with status $?"
` : ''}say "running furc"
chroot /host /bin/sh -c 'cd "$1" && shift && exec "$@"' sh ${q(plan.cwd)} /usr/bin/env -i ${Object.entries(plan.env).map(([k, v]) => q(`${k}=${v}`)).join(' ')} "FURC_TIME_SCALE=\${FURC_TIME_SCALE:-1}" ${nodeCommand(plan.argv)} > /out/stdout 2> /out/stderr < /dev/null
echo $? > /out/status
dmesg > /out/dmesg
sync
echo "${MARK.done}" > /dev/console
reboot -f
sleep 5
`;
}
