package jumpcloudsim

import (
	"slices"
	"strings"
)

// services lists the known service names (index = entry.svc). `all` is not a service but a
// query value meaning every service.
var services = []string{
	"directory", "sso", "radius", "systems", "ldap", "mdm", "password_manager",
	"access_management", "alerts", "asset_management", "notifications", "object_storage",
	"reports", "saas_app_management", "software", "workflows",
}

// serviceWeights is the relative frequency of each service when generating for `all`.
var serviceWeights = []int{25, 20, 10, 15, 8, 6, 4, 1, 1, 1, 1, 1, 1, 1, 4, 1}

const serviceAll = "all"

// Services returns the known service names (without `all`), in a fixed order.
func Services() []string { return slices.Clone(services) }

// supportedServices is the list sent in the 400 answer to an unknown service.
func supportedServices() string {
	all := append([]string{serviceAll}, services...)
	slices.Sort(all)
	return strings.Join(all, ", ")
}

func serviceIndex(name string) (uint8, bool) {
	i := slices.Index(services, name)
	if i < 0 {
		return svcOther, false
	}
	return uint8(i), true
}

func serviceName(svc uint8, ext string) string {
	if svc == svcOther {
		return ext
	}
	return services[svc]
}

// allServices is the svcSet of `all`: every known service and unknown ones.
const allServices = svcSet(1<<len16 - 1 | 1<<svcSetOtherBit)

const len16 = 16 // len(services); a constant for allServices

// weightedService picks a service index among the allowed ones by serviceWeights.
func weightedService(r *rng, allowed []uint8) uint8 {
	total := 0
	for _, s := range allowed {
		total += serviceWeights[s]
	}
	n := r.intn(total)
	for _, s := range allowed {
		n -= serviceWeights[s]
		if n < 0 {
			return s
		}
	}
	return allowed[len(allowed)-1]
}

// precisionFor decides the timestamp precision of a generated event of a service: seconds for
// radius, milliseconds for directory, nanoseconds for sso and mdm, mixed for the others.
func precisionFor(svc uint8, r *rng) uint8 {
	switch services[svc] {
	case "radius":
		return precSecond
	case "directory":
		return precMilliFixed
	case "sso", "mdm":
		return precNano
	default:
		return pick(r, []uint8{precSecond, precMilli, precMicro, precNano})
	}
}

// precisionUnit is the length of one unit of a precision, in nanoseconds.
func precisionUnit(prec uint8) int64 {
	switch prec {
	case precSecond:
		return 1e9
	case precMilli, precMilliFixed:
		return 1e6
	case precMicro:
		return 1e3
	default:
		return 1
	}
}

// truncateTo truncates unix nanoseconds to a precision.
func truncateTo(ns int64, prec uint8) int64 {
	unit := precisionUnit(prec)
	return floorDiv(ns, unit) * unit
}
