#!/usr/bin/env bash
# make dist: the release artifacts of otelcol-jumpcloud in dist/ (see the README, Install).
#
#   binaries   otelcol-jumpcloud_<version>_<os>_<arch>[.exe]  (static: CGO_ENABLED=0, -trimpath)
#   SBOMs      otelcol-jumpcloud_<version>_<os>_<arch>.cdx.json  (CycloneDX, from the binary's module graph)
#   packages   otelcol-jumpcloud_<version>_<arch>.deb, otelcol-jumpcloud-<version>-1.<arch>.rpm  (nfpm)
#   images     otelcol-jumpcloud-<version>-<arch>.oci.tar  (podman, FROM scratch: Containerfile)
#   checksums  SHA256SUMS  (sha256sum -c SHA256SUMS)
#
# Called by the Makefile with VERSION, GO, OCB, NFPM, CYCLONEDX set. Every failure names its fix.
set -euo pipefail

die() { echo "make dist: $*" >&2; exit 1; }

: "${VERSION:?}" "${GO:?}" "${OCB:?}" "${NFPM:?}" "${CYCLONEDX:?}"
PLATFORMS=${PLATFORMS:-linux/amd64 linux/arm64 darwin/arm64 windows/amd64}
# Linux architectures of the packages and images (a subset of PLATFORMS).
LINUX_ARCHES=${LINUX_ARCHES:-amd64 arm64}
DIST=dist
GEN=build-dist # ocb's output for make dist (./build stays make build's)
NAME=otelcol-jumpcloud
MODULE=github.com/otelcol-jumpcloud/otelcol-jumpcloud
STORAGE=/var/lib/otelcol-jumpcloud
FEATURE_GATES=--feature-gates=+extension.healthcheck.useComponentStatus
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
# podman: runc as the runtime and a containers.conf without default ulimits (they cannot be set
# on every machine, e.g. inside another container).
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/packaging/containers.conf}
PODMAN=${PODMAN:-podman}

[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] ||
	die "VERSION=$VERSION is not a semantic version such as 1.2.3 (set dist.version in builder-config.yaml or VERSION=...)"
command -v "$PODMAN" >/dev/null ||
	die "podman is missing: install it (Debian: apt-get install podman runc), or set PODMAN to its path"
command -v runc >/dev/null || die "runc is missing: install it (Debian: apt-get install runc)"
[[ -s $CA_BUNDLE ]] ||
	die "no CA bundle at $CA_BUNDLE for the image: install it (Debian: apt-get install ca-certificates) or set CA_BUNDLE"

step() { printf '\n== %s (%s)\n' "$*" "$(date +%T)"; }

rm -rf "$DIST" "$GEN"
mkdir -p "$DIST" "$GEN"

# Names our module in the SBOMs (cmd/sbomlocal: the build info records it as its replacement, ../).
"$GO" build -o "$GEN/sbomlocal" ./cmd/sbomlocal

step "ocb: generate the $VERSION distribution into ./$GEN"
# builder-config.yaml with this version: dist.version (the version the binary reports), the
# output path, and our own module required at v$VERSION (still replaced by the working tree, ../):
# the SBOM then names our module with the release version. Each edit must hit exactly once.
cfg=$GEN/builder-config.yaml
sed -e "s|^  version: .*|  version: $VERSION|" \
	-e "s|^  output_path: ./build\$|  output_path: ./$GEN|" \
	-e "s|gomod: $MODULE v0.0.0\$|gomod: $MODULE v$VERSION|" builder-config.yaml >"$cfg"
[[ $(grep -c "^  version: $VERSION\$" "$cfg") == 1 && $(grep -c "^  output_path: ./$GEN\$" "$cfg") == 1 ]] ||
	die "builder-config.yaml: expected one '  version:' and one '  output_path: ./build' line under dist: (packaging/dist.sh edits them)"
! grep -q "gomod: $MODULE v0.0.0" "$cfg" && grep -q "gomod: $MODULE v$VERSION" "$cfg" ||
	die "builder-config.yaml: our components must be listed as 'gomod: $MODULE v0.0.0' (packaging/dist.sh sets their version)"
# -e for ocb's `go mod tidy` only, as in make build (see the Makefile).
GOFLAGS="$($GO env GOFLAGS) -e" "$OCB" --config "$cfg" --skip-compilation
grep -q "Version: *\"$VERSION\"" "$GEN/main.go" || die "ocb did not stamp version $VERSION into $GEN/main.go"

for p in $PLATFORMS; do
	os=${p%/*} arch=${p#*/}
	out=$NAME\_$VERSION\_$os\_$arch
	[[ $os == windows ]] && ext=.exe || ext=
	step "go build $os/$arch -> $DIST/$out$ext"
	(cd "$GEN" && CGO_ENABLED=0 GOOS=$os GOARCH=$arch "$GO" build -trimpath -ldflags='-s -w' -o "../$DIST/$out$ext" .)
	# CycloneDX SBOM of what the binary links (its embedded module graph, `go version -m`).
	# GOOS/GOARCH: cyclonedx-gomod writes them into every package URL (else the build machine's).
	GOOS=$os GOARCH=$arch "$CYCLONEDX" bin -json -version "v$VERSION" -output "$DIST/$out.cdx.json" "$DIST/$out$ext"
	"$GEN/sbomlocal" -module "$MODULE" -version "v$VERSION" -replaced ../ "$DIST/$out.cdx.json"
done

host=$DIST/$NAME\_$VERSION\_$($GO env GOOS)_$($GO env GOARCH)
[[ -x $host ]] || die "no binary for this machine ($host): add $($GO env GOOS)/$($GO env GOARCH) to PLATFORMS"
got=$("$host" --version)
[[ $got == "$NAME version $VERSION" ]] || die "$host --version says '$got', not '$NAME version $VERSION'"

step "the installed configuration: otelcol-config.yaml with the storage under $STORAGE"
# Generated, never edited by hand, so it cannot drift from otelcol-config.yaml: the only change
# is the default of OTELCOL_STORAGE_DIR (every occurrence; at least one must exist).
conf=$GEN/config.yaml
n=$(grep -c '\${env:OTELCOL_STORAGE_DIR:-./.run/storage}' otelcol-config.yaml || true)
((n > 0)) || die "otelcol-config.yaml no longer sets file_storage's directory as \${env:OTELCOL_STORAGE_DIR:-./.run/storage}: update packaging/dist.sh"
{
	echo "# Installed by the $NAME package and image: otelcol-config.yaml of the repository,"
	echo "# generated by make dist with one change: OTELCOL_STORAGE_DIR defaults to $STORAGE."
	echo "# Its comments about ./.run/storage and make run describe the repository's use."
	echo "# The variables are set in /etc/$NAME/$NAME.conf (packages) or with -e (image)."
	echo "#"
	sed "s|\${env:OTELCOL_STORAGE_DIR:-./.run/storage}|\${env:OTELCOL_STORAGE_DIR:-$STORAGE}|g" otelcol-config.yaml
} >"$conf"
[[ $(grep -c "\${env:OTELCOL_STORAGE_DIR:-$STORAGE}" "$conf") == "$n" ]] || die "the storage default was not replaced $n times in $conf"
# It must be a configuration the binary accepts (dummy credentials: validate connects nowhere).
env -i JUMPCLOUD_API_KEY=validate-only SUMO_HTTP_SOURCE_URL=https://collectors.invalid/receiver/v1/http/validate-only \
	"$host" validate --config "$conf" "$FEATURE_GATES" || die "$host validate rejects $conf"

for arch in $LINUX_ARCHES; do
	bin=$DIST/$NAME\_$VERSION\_linux_$arch
	[[ -f $bin ]] || die "no linux/$arch binary for the packages: add linux/$arch to PLATFORMS"
	for fmt in deb rpm; do
		step "nfpm $fmt $arch"
		VERSION=$VERSION ARCH=$arch BINARY=$bin CONFIG=$conf "$NFPM" package --config packaging/nfpm.yaml --packager "$fmt" --target "$DIST/"
	done

	step "podman image linux/$arch"
	ctx=$GEN/image-$arch
	mkdir -p "$ctx/storage"
	chmod 0750 "$ctx/storage"
	cp "$bin" "$ctx/$NAME"
	cp "$CA_BUNDLE" "$ctx/ca-certificates.crt"
	cp "$conf" "$ctx/config.yaml"
	tag=localhost/$NAME:$VERSION-$arch
	"$PODMAN" build --quiet --layers=false --platform "linux/$arch" --format oci --network host --build-arg "VERSION=$VERSION" \
		-f Containerfile -t "$tag" "$ctx" ||
		die "podman build failed: as root with runc and $CONTAINERS_CONF (default_ulimits = []); see its message above"
	"$PODMAN" save --format oci-archive -o "$DIST/$NAME-$VERSION-$arch.oci.tar" "$tag"
	"$PODMAN" rmi "$tag" >/dev/null # the archive is the artifact: podman's store keeps nothing
done

step "SHA256SUMS"
(cd "$DIST" && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs sha256sum >SHA256SUMS && sha256sum --quiet -c SHA256SUMS)
step "done"
ls -l "$DIST"
