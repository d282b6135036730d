#!/bin/sh
# otelcol-jumpcloud postremove (deb postrm: "remove", "purge", "upgrade", ...; rpm %postun: the
# number of versions left). Removal keeps the checkpoint in /var/lib/otelcol-jumpcloud (a
# reinstall resumes from it) and the system user; deb purge deletes the checkpoint (dpkg deletes
# the conffiles). rpm has no purge: after `rpm -e`, delete /var/lib/otelcol-jumpcloud by hand.
set -e
NAME=otelcol-jumpcloud
case "$1" in
purge)
	rm -rf "/var/lib/$NAME"
	;;
esac
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
fi
exit 0
