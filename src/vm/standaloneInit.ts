// The standalone guest's /init: the initramfs is the whole root; furc runs from it, and its files go back over ttyS1.
import { MARK, q } from './init.js';
import { FRAME, SEND_SH } from './results.js';

export interface StandalonePlan {
  /** Module basenames under /lib/modules in the initramfs, in load order. */
  readonly modules: readonly string[];
  /** The executable inside the initramfs. */
  readonly binary: string;
  /** Created empty in the guest (tmpfs) and furc's working directory; what furc writes there comes back to the host's cwd. */
  readonly cwd: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly setup?: string;
}

/** The serial port that carries the results; ttyS0 is the console. */
export const RESULTS_TTY = '/dev/ttyS1';

export function standaloneInitScript(p: StandalonePlan): string {
  return `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /usr/bin /usr/sbin /sbin /out
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
say() { echo "${MARK.stage}$*" > /dev/console; }
fatal() { echo "${MARK.fatal}$*" > /dev/console; sync; reboot -f; sleep 5; exit 1; }
${SEND_SH}
mount -t proc proc /proc || fatal "cannot mount /proc: the kernel lacks CONFIG_PROC_FS"
mount -t sysfs sysfs /sys || fatal "cannot mount /sys: the kernel lacks CONFIG_SYSFS"
mount -t devtmpfs devtmpfs /dev || fatal "cannot mount devtmpfs on /dev: the kernel lacks CONFIG_DEVTMPFS"
mount -t tmpfs tmpfs /tmp || fatal "cannot mount a tmpfs on /tmp: the kernel lacks CONFIG_TMPFS"
mount -t tmpfs tmpfs /run && mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm
say "booted $(uname -r)"
for m in ${p.modules.map(q).join(' ')}; do
  name=\${m%.ko}
  [ -d /sys/module/$name ] && continue
  out=$(insmod /lib/modules/$m 2>&1) || fatal "insmod $m failed: $out (do --modules and --kernel belong to the same build?)"
done
[ -c ${RESULTS_TTY} ] || fatal "no ${RESULTS_TTY} to send the results on: the kernel has no 8250 serial driver (CONFIG_SERIAL_8250) with a second port"
[ -c /dev/fuse ] || say "no /dev/fuse: the kernel has no FUSE (CONFIG_FUSE_FS); furc will say what that skips"
mkdir -p ${q(p.cwd)}
${p.setup ? `say "guest setup: "${q(p.setup)}
(cd ${q(p.cwd)} && /bin/sh -c ${q(p.setup)}) > /dev/console 2>&1 < /dev/null || fatal "the guest setup command failed with status $?"
` : ''}say "running furc"
(cd ${q(p.cwd)} && exec /usr/bin/env -i ${Object.entries(p.env).map(([k, v]) => q(`${k}=${v}`)).join(' ')} "FURC_TIME_SCALE=\${FURC_TIME_SCALE:-1}" ${[p.binary, ...p.args].map(q).join(' ')}) > /out/stdout 2> /out/stderr < /dev/null
echo $? > /out/status
dmesg > /out/dmesg
say "sending results on ${RESULTS_TTY}"
stty -F ${RESULTS_TTY} raw -echo 2>/dev/null
{
  for f in status stdout stderr dmesg; do send /out/$f $f; done
  cd ${q(p.cwd)} && find . -type f | while read -r f; do send "$f" "cwd/\${f#./}"; done
  echo "${FRAME.done}"
} > ${RESULTS_TTY}
sync
echo "${MARK.done}" > /dev/console
reboot -f
sleep 5
`;
}
