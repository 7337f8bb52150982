#!/bin/sh
# SPDX-License-Identifier: MIT
# fuse_uring: furc's conformance suite of the FUSE-over-io_uring UAPI on the running kernel, as KTAP on stdout.
# Exit 0 pass, 1 fail, 4 skip (kselftest's KSFT_PASS, KSFT_FAIL, KSFT_SKIP); furc sets and restores
# fuse.enable_uring itself. Extra arguments go to `furc run` (e.g. --revision R8).
here=$(cd "$(dirname "$0")" && pwd)
bin=
for f in "$here"/furc-*; do [ -x "$f" ] && bin=$f; done
if [ -z "$bin" ]; then
	[ -n "${KSFT_TAP_LEVEL:-}" ] || echo "KTAP version 1"
	echo "1..0 # SKIP no furc executable in $here (make -C ksft install INSTALL_PATH=DIR puts it there)"
	exit 4
fi
# A modular FUSE is loaded the way other selftests load what they need; furc names it if it is still missing.
[ -e /dev/fuse ] || modprobe fuse 2>/dev/null
exec "$bin" run --target kernel --format ktap "$@"
