//go:build dist

package e2e

// The release artifacts of `make dist` (dist/), tried as a user would: `make dist-test` (build
// tag dist, as root: it installs the .deb and runs podman) builds them first. Environment:
//   - VERSION: the release (default: dist.version of builder-config.yaml).
//   - NFPM: the nfpm binary (the upgrade test packages a second version with it).

import (
	"bufio"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	distName   = "otelcol-jumpcloud"
	distModule = "github.com/otelcol-jumpcloud/otelcol-jumpcloud"
)

// distPlatforms are the binaries of make dist; distLinuxArches those with packages and images.
var (
	distPlatforms   = [][2]string{{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "arm64"}, {"windows", "amd64"}}
	distLinuxArches = []string{"amd64", "arm64"}
	rpmArch         = map[string]string{"amd64": "x86_64", "arm64": "aarch64"}
)

// distFiles names the artifacts of one make dist.
type distFiles struct {
	dir, version string
}

func distArtifacts(t *testing.T) distFiles {
	t.Helper()
	version := os.Getenv("VERSION")
	if version == "" {
		m := regexp.MustCompile(`(?m)^dist:\n(?:  .*\n|#.*\n)*?  version: (\S+)`).FindStringSubmatch(readRepoFile(t, "builder-config.yaml"))
		require.NotNil(t, m, "builder-config.yaml: no dist.version (or set VERSION)")
		version = m[1]
	}
	d := distFiles{dir: filepath.Join(repoRoot(t), "dist"), version: version}
	_, err := os.Stat(filepath.Join(d.dir, "SHA256SUMS"))
	require.NoError(t, err, "dist/ is incomplete: run `make dist` (make dist-test builds it first)")
	return d
}

func (d distFiles) path(name string) string { return filepath.Join(d.dir, name) }

func (d distFiles) binary(goos, arch string) string {
	name := fmt.Sprintf("%s_%s_%s_%s", distName, d.version, goos, arch)
	if goos == "windows" {
		name += ".exe"
	}
	return name
}

func (d distFiles) sbom(goos, arch string) string {
	return fmt.Sprintf("%s_%s_%s_%s.cdx.json", distName, d.version, goos, arch)
}

func (d distFiles) deb(arch string) string {
	return fmt.Sprintf("%s_%s-1_%s.deb", distName, d.version, arch)
}

func (d distFiles) rpm(arch string) string {
	return fmt.Sprintf("%s-%s-1.%s.rpm", distName, d.version, rpmArch[arch])
}

func (d distFiles) image(arch string) string {
	return fmt.Sprintf("%s-%s-%s.oci.tar", distName, d.version, arch)
}

// all are the names of every artifact make dist must write (SHA256SUMS aside).
func (d distFiles) all() []string {
	var names []string
	for _, p := range distPlatforms {
		names = append(names, d.binary(p[0], p[1]), d.sbom(p[0], p[1]))
	}
	for _, a := range distLinuxArches {
		names = append(names, d.deb(a), d.rpm(a), d.image(a))
	}
	slices.Sort(names)
	return names
}

// run runs a command (at most timeout) and returns its combined output; a failure fails the
// test with the output.
func run(t *testing.T, timeout time.Duration, name string, args ...string) string {
	t.Helper()
	out, err := runErr(t, timeout, name, args...)
	require.NoError(t, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
	return out
}

// runErr is run that returns the error instead of failing.
func runErr(t *testing.T, timeout time.Duration, name string, args ...string) (string, error) {
	t.Helper()
	// Not t.Context(): cleanups (dpkg -P, podman rm) run after it is canceled.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = nil // no terminal: a command that asks a question fails instead of waiting
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func requireRoot(t *testing.T) {
	t.Helper()
	require.Zero(t, os.Geteuid(), "this test installs packages and runs podman: run make dist-test as root")
}

// TestDistChecksums: make dist wrote every artifact and SHA256SUMS lists exactly them;
// `sha256sum -c SHA256SUMS` verifies, and fails for a modified file.
func TestDistChecksums(t *testing.T) {
	d := distArtifacts(t)
	sums := readFile(t, d.path("SHA256SUMS"))
	var listed []string
	for line := range strings.Lines(sums) {
		hash, name, ok := strings.Cut(strings.TrimSpace(line), "  ")
		require.True(t, ok && len(hash) == 64, "SHA256SUMS line %q", line)
		listed = append(listed, name)
	}
	slices.Sort(listed)
	assert.Equal(t, d.all(), listed, "SHA256SUMS lists every artifact")
	entries, err := os.ReadDir(d.dir)
	require.NoError(t, err)
	var present []string
	for _, e := range entries {
		if e.Name() != "SHA256SUMS" {
			present = append(present, e.Name())
		}
	}
	assert.Equal(t, d.all(), present, "dist/ holds exactly the artifacts")

	out := run(t, 2*time.Minute, "sh", "-c", "cd "+d.dir+" && sha256sum -c SHA256SUMS")
	assert.Equal(t, len(listed), strings.Count(out, ": OK\n"), out)

	// A modified file fails the check (here a copy of an SBOM with one more byte).
	tmp := t.TempDir()
	sbom := d.sbom("linux", "amd64")
	data, err := os.ReadFile(d.path(sbom))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(tmp, sbom), append(data, ' '), 0o600))
	var line string
	for l := range strings.Lines(sums) {
		if strings.HasSuffix(strings.TrimSpace(l), "  "+sbom) {
			line = l
		}
	}
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "SHA256SUMS"), []byte(line), 0o600))
	out, err = runErr(t, time.Minute, "sh", "-c", "cd "+tmp+" && sha256sum -c SHA256SUMS")
	require.Error(t, err, "sha256sum -c must fail for a modified file")
	assert.Contains(t, out, sbom+": FAILED")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

// buildInfo is what `go version -m` reads from a binary: its build settings and the modules
// it links (with the replacement, if any).
type buildInfo struct {
	path     string
	settings map[string]string
	deps     map[string]string // module path -> version as linked (the replacement's, if replaced)
	local    map[string]string // module path -> version required, for modules replaced by a directory
}

func readBuildInfo(t *testing.T, bin string) buildInfo {
	t.Helper()
	out := run(t, time.Minute, "go", "version", "-m", bin)
	bi := buildInfo{settings: map[string]string{}, deps: map[string]string{}, local: map[string]string{}}
	var last string // the previous dep line's module
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 2 && f[0] == "path":
			bi.path = f[1]
		case len(f) >= 2 && f[0] == "build":
			k, v, _ := strings.Cut(f[1], "=")
			bi.settings[k] = v
		case len(f) >= 3 && f[0] == "dep":
			bi.deps[f[1]], last = f[2], f[1]
		case len(f) >= 3 && f[0] == "=>" && last != "":
			if strings.HasPrefix(f[1], ".") || strings.HasPrefix(f[1], "/") {
				bi.local[last] = bi.deps[last]
				delete(bi.deps, last)
			} else {
				delete(bi.deps, last)
				bi.deps[f[1]] = f[2]
			}
			last = ""
		}
	}
	require.NotEmpty(t, bi.deps, "go version -m %s:\n%s", bin, out)
	return bi
}

// TestDistBinaries: each binary is built for its platform with CGO_ENABLED=0 and -trimpath (a
// linux one has no ELF interpreter: static); the one for this machine reports the version.
func TestDistBinaries(t *testing.T) {
	d := distArtifacts(t)
	for _, p := range distPlatforms {
		t.Run(p[0]+"/"+p[1], func(t *testing.T) {
			bin := d.path(d.binary(p[0], p[1]))
			bi := readBuildInfo(t, bin)
			assert.Equal(t, distModule+"/build", bi.path)
			for k, v := range map[string]string{"GOOS": p[0], "GOARCH": p[1], "CGO_ENABLED": "0", "-trimpath": "true"} {
				assert.Equal(t, v, bi.settings[k], "build setting %s", k)
			}
			assert.Equal(t, "v"+d.version, bi.local[distModule], "our module, built from the working tree, required at the release version")
			if p[0] == "linux" {
				f, err := elf.Open(bin)
				require.NoError(t, err)
				defer func() { _ = f.Close() }() // read only
				for _, prog := range f.Progs {
					assert.NotEqual(t, elf.PT_INTERP, prog.Type, "a static binary has no interpreter")
				}
			}
			if p[0] == runtime.GOOS && p[1] == runtime.GOARCH {
				out := run(t, time.Minute, bin, "--version")
				assert.Equal(t, distName+" version "+d.version, strings.TrimSpace(out))
			}
		})
	}
}

// cycloneDX is the part of a CycloneDX JSON SBOM the test reads.
type cycloneDX struct {
	BOMFormat string `json:"bomFormat"`
	Metadata  struct {
		Component struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"component"`
	} `json:"metadata"`
	Components []struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Purl    string `json:"purl"`
	} `json:"components"`
}

// TestDistSBOM: each binary's SBOM lists every module the binary links, with the version it
// links, and among them every component of builder-config.yaml: the collector core, the contrib
// modules and our own module (at the release version).
func TestDistSBOM(t *testing.T) {
	d := distArtifacts(t)
	gomod := regexp.MustCompile(`(?m)^\s*- gomod: (\S+) (\S+)`).FindAllStringSubmatch(readRepoFile(t, "builder-config.yaml"), -1)
	require.NotEmpty(t, gomod)
	kinds := map[string]bool{}
	for _, p := range distPlatforms {
		t.Run(p[0]+"/"+p[1], func(t *testing.T) {
			var bom cycloneDX
			require.NoError(t, json.Unmarshal([]byte(readFile(t, d.path(d.sbom(p[0], p[1])))), &bom))
			assert.Equal(t, "CycloneDX", bom.BOMFormat)
			assert.Equal(t, distModule+"/build", bom.Metadata.Component.Name)
			assert.Equal(t, "v"+d.version, bom.Metadata.Component.Version)
			listed := map[string]string{}
			for _, c := range bom.Components {
				listed[c.Name] = c.Version
				assert.Contains(t, c.Purl, "goarch="+p[1]+"&goos="+p[0], c.Name)
			}
			bi := readBuildInfo(t, d.path(d.binary(p[0], p[1])))
			want := map[string]string{}
			for m, v := range bi.deps {
				want[m] = v
			}
			for m, v := range bi.local {
				want[m] = v
			}
			assert.Equal(t, want, listed, "the SBOM lists what the binary links")
			for _, g := range gomod {
				mod, version := g[1], g[2]
				if mod == distModule {
					version = "v" + d.version
				}
				assert.Equal(t, version, listed[mod], "builder-config.yaml's %s", mod)
				switch {
				case strings.HasPrefix(mod, "go.opentelemetry.io/collector/"):
					kinds["core"] = true
				case strings.HasPrefix(mod, "github.com/open-telemetry/opentelemetry-collector-contrib/"):
					kinds["contrib"] = true
				case mod == distModule:
					kinds["ours"] = true
				}
			}
		})
	}
	assert.Equal(t, map[string]bool{"core": true, "contrib": true, "ours": true}, kinds)
}
