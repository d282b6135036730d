#!/bin/sh
# otelcol-jumpcloud postinstall (deb postinst: "configure" [old version]; rpm %post: the number
# of installed versions, 2 on an upgrade). The state directory (also systemd's StateDirectory),
# then, on an upgrade, a restart of a running service. A new install starts nothing: the
# credentials must be set first.
set -e
NAME=otelcol-jumpcloud
upgrade=
case "$1" in
configure) [ -n "$2" ] && upgrade=1 ;;
[0-9]*) [ "$1" -ge 2 ] && upgrade=1 ;;
*) exit 0 ;; # deb abort-upgrade, abort-remove, ...
esac
install -d -o "$NAME" -g "$NAME" -m 0750 "/var/lib/$NAME"
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
	if [ -n "$upgrade" ]; then
		systemctl try-restart "$NAME.service" || true
	fi
fi
if [ -z "$upgrade" ]; then
	echo "$NAME: set the credentials in /etc/$NAME/$NAME.conf, then: systemctl enable --now $NAME"
fi
exit 0
