#!/bin/sh
# otelcol-jumpcloud preremove (deb prerm: "remove" or "upgrade"; rpm %preun: the number of
# versions left, 0 on an erase): stop and disable the service when the package goes away.
set -e
NAME=otelcol-jumpcloud
case "$1" in
remove | 0)
	if [ -d /run/systemd/system ]; then
		systemctl disable --now "$NAME.service" || true
	fi
	;;
esac
exit 0
