#!/bin/sh
# otelcol-jumpcloud preinstall (deb preinst, rpm %pre): the system user and group of the service.
set -e
NAME=otelcol-jumpcloud
if ! getent group "$NAME" >/dev/null; then
	groupadd --system "$NAME"
fi
if ! getent passwd "$NAME" >/dev/null; then
	nologin=$(command -v nologin || echo /bin/false)
	useradd --system --gid "$NAME" --home-dir "/var/lib/$NAME" --no-create-home \
		--shell "$nologin" --comment "otelcol-jumpcloud collector" "$NAME"
fi
exit 0
