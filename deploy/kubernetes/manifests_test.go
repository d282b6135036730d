// Package kubernetes_test checks the kustomize base of deploy/kubernetes and its overlays: each is
// rendered with kustomize's own library (krusty, as `kustomize build` and `kubectl apply -k` do),
// every rendered object is decoded strictly into the official Kubernetes API types (an unknown or
// misspelled field fails), and the invariants of docs/deploy.md are checked: one replica, the
// claim mounted where the shipped configuration keeps its storage, credentials only from the
// Secret, the probes on the health_check port with the right paths, non-root, resources, the
// metrics Service, every file of the base listed in kustomization.yaml, the ConfigMap equal to
// otelcol-config.yaml, and no organization in two shards.
package kubernetes_test

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	k8sjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/intstr"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/api/krusty"
	kusttypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

const (
	// base is the directory of the kustomize base in the in-memory file system of a test,
	// shards the directory of the overlays that split organizations over several collectors.
	base   = "/repo/deploy/kubernetes"
	shards = "/repo/deploy/kubernetes-shards"
	// secretsTemplate is the template of credentials.env, which kustomize needs to render.
	secretsTemplate = "credentials.env.example"
	// secretsFile is the user's copy of the template (git ignores it).
	secretsFile = "credentials.env"
	// configKey is the file name of the configuration inside the ConfigMap.
	configKey = "config.yaml"
)

// secretVars must come from the Secret, never from a literal value.
var secretVars = []string{
	"JUMPCLOUD_API_KEY", "JUMPCLOUD_CLIENT_ID", "JUMPCLOUD_CLIENT_SECRET", "SUMO_HTTP_SOURCE_URL",
}

// notListed are the files of the base that kustomization.yaml does not reference, each for a reason.
var notListed = map[string]string{
	"manifests_test.go": "this test",
	secretsTemplate:     "the template the user copies to credentials.env",
	secretsFile:         "the user's credentials (git-ignored), listed as secretGenerator env",
}

// repoFiles loads deploy/kubernetes, deploy/kubernetes-shards and the repository's
// otelcol-config.yaml into an in-memory file system: a test case edits that copy, never the
// repository.
func repoFiles(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	for dir, prefix := range map[string]string{".": base, filepath.Join("..", "kubernetes-shards"): shards} {
		root, err := os.OpenRoot(dir)
		require.NoError(t, err)
		err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || p == secretsFile {
				return err // nil for the developer's own credentials: never read by the test
			}
			data, err := fs.ReadFile(root.FS(), p)
			if err != nil {
				return err
			}
			files[path.Join(prefix, p)] = string(data)
			return nil
		})
		require.NoError(t, errors.Join(err, root.Close()))
	}
	for _, f := range []string{"otelcol-config.yaml", "builder-config.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "..", f))
		require.NoError(t, err)
		files["/repo/"+f] = string(data)
	}
	// kustomize needs credentials.env: the template, as a user's first copy would be.
	files[path.Join(base, secretsFile)] = files[path.Join(base, secretsTemplate)]
	return files
}

func memFS(t *testing.T, files map[string]string) filesys.FileSystem {
	t.Helper()
	mem := filesys.MakeFsInMemory()
	for p, data := range files {
		require.NoError(t, mem.MkdirAll(path.Dir(p)))
		require.NoError(t, mem.WriteFile(p, []byte(data)))
	}
	return mem
}

// rendered is the output of one kustomization, decoded into the API types.
type rendered struct {
	statefulSets []*appsv1.StatefulSet
	services     []*corev1.Service
	configMaps   []*corev1.ConfigMap
	secrets      []*corev1.Secret
}

// codec decodes the API objects of this deployment strictly: an unknown field, a field of the
// wrong case (clusterIp) or a duplicate field is an error, as with `kubectl apply --validate=strict`.
var codec = func() runtime.Decoder {
	scheme := runtime.NewScheme()
	if err := errors.Join(appsv1.AddToScheme(scheme), corev1.AddToScheme(scheme)); err != nil {
		panic(err)
	}
	return k8sjson.NewSerializerWithOptions(k8sjson.DefaultMetaFactory, scheme, scheme,
		k8sjson.SerializerOptions{Yaml: true, Strict: true})
}()

// render runs kustomize on dir and decodes every object strictly.
func render(mem filesys.FileSystem, dir string) (*rendered, error) {
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(mem, dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	out := &rendered{}
	for _, r := range rm.Resources() {
		data, err := r.AsYAML()
		if err != nil {
			return nil, err
		}
		obj, _, err := codec.Decode(data, nil, nil)
		if runtime.IsNotRegisteredError(err) {
			// Anything else (a Deployment, a HorizontalPodAutoscaler, ...) is not part of the design.
			return nil, fmt.Errorf("%s %s: kind not expected in this deployment (docs/deploy.md: one StatefulSet, its Service, ConfigMap and Secret)", r.GetKind(), r.GetName())
		}
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", r.GetKind(), r.GetName(), err)
		}
		switch o := obj.(type) {
		case *appsv1.StatefulSet:
			out.statefulSets = append(out.statefulSets, o)
		case *corev1.Service:
			out.services = append(out.services, o)
		case *corev1.ConfigMap:
			out.configMaps = append(out.configMaps, o)
		case *corev1.Secret:
			out.secrets = append(out.secrets, o)
		default:
			return nil, fmt.Errorf("%s %s: kind not expected in this deployment (docs/deploy.md: one StatefulSet, its Service, ConfigMap and Secret)", r.GetKind(), r.GetName())
		}
	}
	return out, nil
}

var envRef = regexp.MustCompile(`^\$\{env:([A-Za-z0-9_]+)(?::-(.*))?\}$`)

// resolve is a configuration value with its ${env:NAME:-default} replaced from env.
func resolve(v any, env map[string]string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%v is not a string", v)
	}
	m := envRef.FindStringSubmatch(s)
	if m == nil {
		return s, nil
	}
	if val, ok := env[m[1]]; ok {
		return val, nil
	}
	return m[2], nil
}

// lookup walks a decoded YAML document along keys.
func lookup(doc map[string]any, keys ...string) (any, error) {
	var cur any = doc
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("configuration: %s is not a map", k)
		}
		if cur, ok = m[k]; !ok {
			return nil, fmt.Errorf("configuration: no %s", strings.Join(keys, "."))
		}
	}
	return cur, nil
}

// shipped holds what the configuration in the ConfigMap says, resolved with the pod's env.
type shipped struct {
	storageDirs              []string // file_storage.directory and its compaction directory
	healthHost               string
	healthPort               int
	statusPath, metricsHost  string
	metricsPort, memLimitMiB int
}

func readShipped(text string, env map[string]string) (*shipped, error) {
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	get := func(keys ...string) (string, error) {
		v, err := lookup(doc, keys...)
		if err != nil {
			return "", err
		}
		return resolve(v, env)
	}
	var s shipped
	var errs []error
	for _, keys := range [][]string{
		{"extensions", "file_storage", "directory"},
		{"extensions", "file_storage", "compaction", "directory"},
	} {
		d, err := get(keys...)
		errs = append(errs, err)
		s.storageDirs = append(s.storageDirs, d)
	}
	endpoint, err := get("extensions", "health_check", "http", "endpoint")
	errs = append(errs, err)
	host, port, err := net.SplitHostPort(endpoint)
	errs = append(errs, err)
	s.healthHost = host
	s.healthPort, err = strconv.Atoi(port)
	errs = append(errs, err)
	s.statusPath, err = get("extensions", "health_check", "http", "status", "path")
	errs = append(errs, err)
	readers, err := lookup(doc, "service", "telemetry", "metrics", "readers")
	errs = append(errs, err)
	if list, ok := readers.([]any); ok && len(list) == 1 {
		prom, _ := list[0].(map[string]any)
		s.metricsHost, err = resolve(nestedOrNil(prom, "pull", "exporter", "prometheus", "host"), env)
		errs = append(errs, err)
		mp, err := resolve(nestedOrNil(prom, "pull", "exporter", "prometheus", "port"), env)
		errs = append(errs, err)
		s.metricsPort, err = strconv.Atoi(mp)
		errs = append(errs, err)
	} else {
		errs = append(errs, fmt.Errorf("configuration: want one metrics reader, got %v", readers))
	}
	ml, err := get("processors", "memory_limiter", "limit_mib")
	errs = append(errs, err)
	s.memLimitMiB, err = strconv.Atoi(ml)
	errs = append(errs, err)
	for _, e := range errs {
		if e != nil {
			return nil, e
		}
	}
	return &s, nil
}

func nestedOrNil(m map[string]any, keys ...string) any {
	v, err := lookup(m, keys...)
	if err != nil {
		return nil
	}
	return v
}

// violations lists every broken invariant of one rendered kustomization (empty: all hold).
func violations(r *rendered, shippedConfig string) []string {
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	if len(r.statefulSets) != 1 {
		return []string{fmt.Sprintf("want exactly one StatefulSet, got %d", len(r.statefulSets))}
	}
	sts := r.statefulSets[0]
	if sts.Spec.Replicas == nil || *sts.Spec.Replicas != 1 {
		fail("StatefulSet %s: replicas must be 1 (a second replica collects everything twice: docs/deploy.md)", sts.Name)
	}
	pod := sts.Spec.Template.Spec
	if len(pod.Containers) != 1 || len(pod.InitContainers) != 0 {
		return append(bad, "want one container and no init container")
	}
	c := pod.Containers[0]

	env := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env[e.Name] = e.Value
		}
	}
	secretKeys := map[string]map[string][]byte{}
	for _, s := range r.secrets {
		keys := map[string][]byte{}
		for k, v := range s.Data {
			keys[k] = v
		}
		for k, v := range s.StringData {
			keys[k] = []byte(v)
		}
		secretKeys[s.Name] = keys
	}
	// Credentials: only from the Secret.
	if len(c.EnvFrom) != 0 {
		fail("envFrom is not used: every variable is listed in env, the credentials from the Secret by key")
	}
	for _, e := range c.Env {
		if !slices.Contains(secretVars, e.Name) {
			continue
		}
		ref := (*corev1.SecretKeySelector)(nil)
		if e.ValueFrom != nil {
			ref = e.ValueFrom.SecretKeyRef
		}
		switch {
		case ref == nil:
			fail("env %s: a credential must come from the Secret (valueFrom.secretKeyRef), not a literal", e.Name)
		case secretKeys[ref.Name] == nil:
			fail("env %s: Secret %q is not part of the deployment", e.Name, ref.Name)
		case (ref.Optional == nil || !*ref.Optional) && secretKeys[ref.Name][ref.Key] == nil:
			fail("env %s: the Secret %q has no key %q", e.Name, ref.Name, ref.Key)
		}
	}
	for _, v := range []string{"SUMO_HTTP_SOURCE_URL"} {
		if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == v }) {
			fail("env %s: required, from the Secret", v)
		}
	}

	// The configuration: from the ConfigMap, equal to otelcol-config.yaml, at --config.
	var configArg string
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			configArg = v
		}
	}
	if !slices.Contains(c.Args, "--feature-gates=+extension.healthcheck.useComponentStatus") {
		fail("args: the health_check component-status feature gate is required by the configuration")
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m
	}
	var config string
	for _, v := range pod.Volumes {
		if v.ConfigMap == nil {
			continue
		}
		m, ok := mounts[v.Name]
		if !ok || path.Join(m.MountPath, configKey) != configArg {
			fail("--config=%s: not the %s of ConfigMap volume %q (mounted at %q)", configArg, configKey, v.Name, m.MountPath)
			continue
		}
		for _, cm := range r.configMaps {
			if cm.Name == v.ConfigMap.Name {
				config = cm.Data[configKey]
			}
		}
	}
	if config == "" {
		return append(bad, fmt.Sprintf("no ConfigMap with %s mounted for --config=%s", configKey, configArg))
	}
	if config != shippedConfig {
		fail("the ConfigMap's %s differs from otelcol-config.yaml: run `cp otelcol-config.yaml deploy/kubernetes/otelcol-config.yaml`", configKey)
	}
	cfg, err := readShipped(config, env)
	if err != nil {
		return append(bad, err.Error())
	}

	// The claim is mounted where file_storage keeps the checkpoint.
	for _, dir := range cfg.storageDirs {
		onClaim := false
		for _, vct := range sts.Spec.VolumeClaimTemplates {
			if m, ok := mounts[vct.Name]; ok && path.Clean(m.MountPath) == path.Clean(dir) && !m.ReadOnly {
				onClaim = true
				if q := vct.Spec.Resources.Requests[corev1.ResourceStorage]; q.IsZero() {
					fail("volumeClaimTemplate %s: no storage request", vct.Name)
				}
			}
		}
		if !onClaim {
			fail("storage directory %q (OTELCOL_STORAGE_DIR) is not the mountPath of a volumeClaimTemplate: the checkpoint would not survive the pod", dir)
		}
	}

	// The probes: on the health_check port, readiness on the component status, liveness on
	// the extensions only.
	if ip := net.ParseIP(cfg.healthHost); cfg.healthHost == "localhost" || ip == nil || ip.IsLoopback() {
		fail("health_check endpoint %s:%d: the kubelet cannot reach a loopback address (set OTELCOL_HEALTH_ENDPOINT=0.0.0.0:PORT)", cfg.healthHost, cfg.healthPort)
	}
	probes := map[string]*corev1.Probe{"startup": c.StartupProbe, "liveness": c.LivenessProbe, "readiness": c.ReadinessProbe}
	wantPath := map[string]string{
		"startup":   cfg.statusPath + "?pipeline=extensions",
		"liveness":  cfg.statusPath + "?pipeline=extensions",
		"readiness": cfg.statusPath,
	}
	for name, p := range probes {
		if p == nil || p.HTTPGet == nil {
			fail("%s probe: want an httpGet probe", name)
			continue
		}
		if port := containerPort(c, p.HTTPGet.Port); port != cfg.healthPort {
			fail("%s probe port %s is container port %d, not the health_check endpoint's %d", name, p.HTTPGet.Port.String(), port, cfg.healthPort)
		}
		if u, err := url.Parse(p.HTTPGet.Path); err != nil || p.HTTPGet.Path != wantPath[name] {
			fail("%s probe path %q: want %q (docs/deploy.md: what fails during an outage)", name, p.HTTPGet.Path, wantPath[name])
		} else if name != "readiness" && u.Query().Get("pipeline") != "extensions" {
			fail("%s probe: must not see the pipeline's status (a JumpCloud or Sumo outage would restart the pod)", name)
		}
	}

	// Non-root, read-only, no capabilities.
	psc, csc := pod.SecurityContext, c.SecurityContext
	switch {
	case psc == nil || csc == nil:
		fail("securityContext: required on the pod and the container")
	default:
		if psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
			fail("pod securityContext: runAsNonRoot true and a non-zero runAsUser")
		}
		if csc.RunAsUser != nil && *csc.RunAsUser == 0 || csc.RunAsNonRoot != nil && !*csc.RunAsNonRoot {
			fail("container securityContext: must not run as root")
		}
		if psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			fail("pod securityContext: seccompProfile RuntimeDefault")
		}
		if csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem {
			fail("container securityContext: readOnlyRootFilesystem true")
		}
		if csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation || csc.Privileged != nil && *csc.Privileged {
			fail("container securityContext: allowPrivilegeEscalation false, not privileged")
		}
		if csc.Capabilities == nil || !slices.Equal(csc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(csc.Capabilities.Add) != 0 {
			fail("container securityContext: capabilities drop [ALL], add none")
		}
	}

	// Resources: requests and limits; the memory_limiter below the container's limit.
	for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, lim := c.Resources.Requests[res], c.Resources.Limits[res]
		if req.IsZero() || lim.IsZero() || req.Cmp(lim) > 0 {
			fail("resources %s: want a request and a limit, request <= limit", res)
		}
	}
	memLimit := c.Resources.Limits[corev1.ResourceMemory]
	if limiter := resource.MustParse(strconv.Itoa(cfg.memLimitMiB) + "Mi"); limiter.Cmp(memLimit) >= 0 {
		fail("memory_limiter limit_mib %d must stay below the container memory limit %s (OTELCOL_MEMORY_LIMIT_MIB)", cfg.memLimitMiB, memLimit.String())
	}

	// The metrics Service reaches the collector's Prometheus endpoint.
	if ip := net.ParseIP(cfg.metricsHost); ip == nil || ip.IsLoopback() {
		fail("metrics host %q: a Service cannot reach it (set OTELCOL_METRICS_HOST=0.0.0.0)", cfg.metricsHost)
	}
	found := false
	for _, svc := range r.services {
		for _, p := range svc.Spec.Ports {
			if containerPort(c, p.TargetPort) == cfg.metricsPort {
				found = true
				if !labelsMatch(svc.Spec.Selector, sts.Spec.Template.Labels) {
					fail("Service %s: its selector %v does not select the pod %v", svc.Name, svc.Spec.Selector, sts.Spec.Template.Labels)
				}
			}
		}
		if svc.Name == sts.Spec.ServiceName && svc.Spec.ClusterIP != corev1.ClusterIPNone {
			fail("Service %s: the StatefulSet's governing Service is headless", svc.Name)
		}
	}
	if !found {
		fail("no Service port targets the metrics port %d", cfg.metricsPort)
	}
	if !slices.ContainsFunc(r.services, func(s *corev1.Service) bool { return s.Name == sts.Spec.ServiceName }) {
		fail("StatefulSet serviceName %q: no such Service", sts.Spec.ServiceName)
	}
	return bad
}

// containerPort resolves a probe or Service port (a number or a port name) to the container's port.
func containerPort(c corev1.Container, p intstr.IntOrString) int {
	if p.Type == intstr.Int {
		return p.IntValue()
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort)
		}
	}
	return -1
}

func labelsMatch(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// unlisted are the files of the base directory that kustomization.yaml does not reference.
func unlisted(files map[string]string) ([]string, error) {
	var k kusttypes.Kustomization
	data, err := yaml.YAMLToJSON([]byte(files[path.Join(base, "kustomization.yaml")]))
	if err != nil {
		return nil, fmt.Errorf("kustomization.yaml: %w", err)
	}
	strictErrs, err := kjson.UnmarshalStrict(data, &k)
	if err = errors.Join(append(strictErrs, err)...); err != nil {
		return nil, fmt.Errorf("kustomization.yaml: %w", err)
	}
	listed := map[string]bool{"kustomization.yaml": true}
	for _, r := range k.Resources {
		listed[r] = true
	}
	for _, g := range k.ConfigMapGenerator {
		for _, f := range g.FileSources {
			_, file, found := strings.Cut(f, "=")
			if !found {
				file = f
			}
			listed[file] = true
		}
	}
	for _, g := range k.SecretGenerator {
		for _, f := range g.EnvSources {
			listed[f] = true
		}
	}
	var out []string
	for p := range files {
		rel, ok := strings.CutPrefix(p, base+"/")
		if !ok || strings.Contains(rel, "/") || listed[rel] || notListed[rel] != "" {
			continue // outside the base, in a sub-directory, listed or explained
		}
		out = append(out, rel)
	}
	slices.Sort(out)
	return out, nil
}

// check renders the base and every overlay of files and returns every violation.
func check(t *testing.T, files map[string]string) []string {
	t.Helper()
	mem := memFS(t, files)
	var bad []string
	if un, err := unlisted(files); err != nil {
		bad = append(bad, err.Error())
	} else if len(un) > 0 {
		bad = append(bad, fmt.Sprintf("files not listed in kustomization.yaml: %v (list them, or explain them in notListed)", un))
	}
	if files[path.Join(base, "otelcol-config.yaml")] != files["/repo/otelcol-config.yaml"] {
		bad = append(bad, "deploy/kubernetes/otelcol-config.yaml differs from otelcol-config.yaml: run `cp otelcol-config.yaml deploy/kubernetes/otelcol-config.yaml`")
	}
	version, err := distVersion(files["/repo/builder-config.yaml"])
	if err != nil {
		bad = append(bad, err.Error())
	}
	dirs := []string{base}
	for p := range files {
		if dir, ok := strings.CutSuffix(p, "/kustomization.yaml"); ok && strings.HasPrefix(dir, shards+"/") {
			dirs = append(dirs, dir)
		}
	}
	slices.Sort(dirs)
	orgOwner := map[string]string{}
	names := map[string]string{}
	for _, dir := range dirs {
		r, err := render(mem, dir)
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		for _, v := range violations(r, files["/repo/otelcol-config.yaml"]) {
			bad = append(bad, strings.TrimPrefix(dir, "/repo/")+": "+v)
		}
		for _, sts := range r.statefulSets {
			for _, c := range sts.Spec.Template.Spec.Containers {
				if _, tag, _ := strings.Cut(path.Base(c.Image), ":"); tag != version && !strings.HasPrefix(tag, version+"-") {
					bad = append(bad, fmt.Sprintf("%s: image %s is not version %s of builder-config.yaml (kustomization.yaml images: newTag %s-<arch>)", strings.TrimPrefix(dir, "/repo/"), c.Image, version, version))
				}
			}
		}
		if dir == base || len(r.statefulSets) != 1 {
			continue
		}
		// Shards: each its own StatefulSet (own volume, own checkpoint), disjoint organizations.
		name := r.statefulSets[0].Name
		if other, dup := names[name]; dup {
			bad = append(bad, fmt.Sprintf("%s and %s render the same StatefulSet %s: they would share one identity", other, dir, name))
		}
		names[name] = dir
		orgs := ""
		for _, s := range r.secrets {
			orgs = string(s.Data["JUMPCLOUD_ORG_ID"])
		}
		if strings.TrimSpace(orgs) == "" {
			bad = append(bad, dir+": a shard must set JUMPCLOUD_ORG_ID (otherwise it collects the key's default organization)")
		}
		for _, org := range strings.Split(orgs, ",") {
			org = strings.TrimSpace(org)
			if other, dup := orgOwner[org]; dup && org != "" {
				bad = append(bad, fmt.Sprintf("organization %s is in %s and %s: it would be collected twice", org, other, dir))
			}
			orgOwner[org] = dir
		}
	}
	return bad
}

// distVersion is dist.version of builder-config.yaml: the version of the image make dist builds.
func distVersion(builderConfig string) (string, error) {
	var cfg struct {
		Dist struct {
			Version string `json:"version"`
		} `json:"dist"`
	}
	if err := yaml.Unmarshal([]byte(builderConfig), &cfg); err != nil {
		return "", fmt.Errorf("builder-config.yaml: %w", err)
	}
	if cfg.Dist.Version == "" {
		return "", errors.New("builder-config.yaml: no dist.version")
	}
	return cfg.Dist.Version, nil
}

// TestManifests: the shipped base and overlays hold every invariant.
func TestManifests(t *testing.T) {
	files := repoFiles(t)
	require.Empty(t, check(t, files))

	// What was checked is what is shipped: one StatefulSet of one replica per kustomization.
	r, err := render(memFS(t, files), base)
	require.NoError(t, err)
	require.Len(t, r.statefulSets, 1)
	assert.Equal(t, int32(1), *r.statefulSets[0].Spec.Replicas)
	assert.Len(t, r.secrets, 1)
	assert.Len(t, r.configMaps, 1)
}

// TestManifestsCanFail: each broken manifest is caught, with a message that names the fix.
func TestManifestsCanFail(t *testing.T) {
	sts := path.Join(base, "statefulset.yaml")
	tests := []struct {
		name string
		edit func(files map[string]string)
		want string
	}{
		{"two replicas", replace(sts, "  replicas: 1\n", "  replicas: 2\n"), "replicas must be 1"},
		{"misspelled field", replace(sts, "readinessProbe:", "readinesProbe:"), `unknown field "spec.template.spec.containers[0].readinesProbe"`},
		{"unknown field in a Service", replace(path.Join(base, "service.yaml"), "clusterIP: None", "clusterIp: None"), `unknown field "spec.clusterIp"`},
		{"misspelled kustomization key", replace(path.Join(base, "kustomization.yaml"), "\nconfigMapGenerator:", "\nconfigmapGenerator:"), `kustomization.yaml: unknown field "configmapGenerator"`},
		{"claim elsewhere", replace(sts, "mountPath: /var/lib/otelcol-jumpcloud", "mountPath: /data"), `storage directory "/var/lib/otelcol-jumpcloud"`},
		{"storage dir not on the claim", replace(sts, "value: /var/lib/otelcol-jumpcloud", "value: /tmp/storage"), `storage directory "/tmp/storage"`},
		{"literal credential", replace(sts, "- name: JUMPCLOUD_API_KEY\n              valueFrom:\n                secretKeyRef:\n                  name: otelcol-jumpcloud-credentials\n                  key: JUMPCLOUD_API_KEY\n                  optional: true # a service account instead",
			"- name: JUMPCLOUD_API_KEY\n              value: not-a-real-key"), "env JUMPCLOUD_API_KEY: a credential must come from the Secret"},
		{"missing secret key", replace(path.Join(base, secretsFile), "SUMO_HTTP_SOURCE_URL=", "SUMO_URL="), `has no key "SUMO_HTTP_SOURCE_URL"`},
		{"health port differs", replace(sts, "containerPort: 13133", "containerPort: 13134"), "not the health_check endpoint's 13133"},
		{"health on loopback", replace(sts, "value: 0.0.0.0:13133", "value: 127.0.0.1:13133"), "cannot reach a loopback address"},
		{"a comment is harmless", replace(sts, "            periodSeconds: 20", "            periodSeconds: 20 # a comment"), ""},
		{"liveness sees the outage", replaceNth(sts, "path: /health/status?pipeline=extensions", "path: /health/status", 2), "liveness probe path"},
		{"root", replace(sts, "runAsUser: 10001", "runAsUser: 0"), "runAsNonRoot true and a non-zero runAsUser"},
		{"writable root", replace(sts, "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"), "readOnlyRootFilesystem true"},
		{"capabilities", replace(sts, "drop: [ALL]", "drop: [NET_RAW]"), "capabilities drop [ALL]"},
		{"no memory limit", replace(sts, "              memory: 512Mi\n", ""), "resources memory"},
		{"limiter above the limit", replace(sts, `value: "384"`, `value: "2048"`), "memory_limiter limit_mib 2048"},
		{"metrics on loopback", replace(sts, "value: 0.0.0.0\n", "value: 127.0.0.1\n"), `metrics host "127.0.0.1"`},
		{"config drift", replace(path.Join(base, "otelcol-config.yaml"), "initial_lookback: ${env:JUMPCLOUD_INITIAL_LOOKBACK:-24h}", "initial_lookback: 48h"), "differs from otelcol-config.yaml"},
		{"config path", replace(sts, "--config=/etc/otelcol-jumpcloud/config.yaml", "--config=/etc/otelcol/config.yaml"), "--config=/etc/otelcol/config.yaml"},
		{"unlisted file", func(f map[string]string) { f[path.Join(base, "hpa.yaml")] = "kind: HorizontalPodAutoscaler\n" }, "files not listed in kustomization.yaml: [hpa.yaml]"},
		{"autoscaler", func(f map[string]string) {
			f[path.Join(base, "hpa.yaml")] = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: otelcol-jumpcloud\nspec:\n  maxReplicas: 3\n  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: otelcol-jumpcloud}\n"
			replace(path.Join(base, "kustomization.yaml"), "  - service.yaml\n", "  - service.yaml\n  - hpa.yaml\n")(f)
		}, "HorizontalPodAutoscaler otelcol-jumpcloud: kind not expected"},
		{"image of another version", replace(path.Join(base, "kustomization.yaml"), "newTag: 0.1.0-amd64", "newTag: 0.0.9"), "image localhost/otelcol-jumpcloud:0.0.9 is not version 0.1.0"},
		{"organization in two shards", replace(path.Join(shards, "example-shard-b/kustomization.yaml"), "5f1a000000000000000000b1", "5f1a000000000000000000a2"), "organization 5f1a000000000000000000a2 is in"},
		{"shard without organizations", replace(path.Join(shards, "example-shard-b/kustomization.yaml"), "JUMPCLOUD_ORG_ID=5f1a000000000000000000b1,5f1a000000000000000000b2", "JUMPCLOUD_PROVIDER_ID=x"), "a shard must set JUMPCLOUD_ORG_ID"},
		{"shards share a name", replace(path.Join(shards, "example-shard-b/kustomization.yaml"), "nameSuffix: -shard-b", "nameSuffix: -shard-a"), "render the same StatefulSet otelcol-jumpcloud-shard-a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := repoFiles(t)
			before := fmt.Sprint(files)
			tt.edit(files)
			require.NotEqual(t, before, fmt.Sprint(files), "the edit changed nothing: the test case is stale")
			bad := check(t, files)
			if tt.want == "" { // a harmless edit (a comment) stays valid
				require.Empty(t, bad)
				return
			}
			require.NotEmpty(t, bad)
			assert.Contains(t, strings.Join(bad, "\n"), tt.want)
		})
	}
}

func replace(file, old, repl string) func(map[string]string) {
	return replaceNth(file, old, repl, 1)
}

// replaceNth replaces the nth occurrence of old in file by repl (it must exist).
func replaceNth(file, old, repl string, n int) func(map[string]string) {
	return func(files map[string]string) {
		s := files[file]
		at := -1
		for range n {
			i := strings.Index(s[at+1:], old)
			if i < 0 {
				return // the NotEqual check of the test reports the stale case
			}
			at += 1 + i
		}
		files[file] = s[:at] + repl + s[at+len(old):]
	}
}
