package jumpcloud

import (
	"fmt"
	"sort"
	"strings"
)

// EventsPath is the path of the events query below the API base URL.
const EventsPath = "/events"

// CountPath is the path of the count query below the API base URL.
const CountPath = "/events/count"

// regionBaseURLs maps a region name to the base URL of its Directory Insights API.
var regionBaseURLs = map[string]string{
	"us": "https://api.jumpcloud.com/insights/directory/v1",
	"eu": "https://api.eu.jumpcloud.com/insights/directory/v1",
	"in": "https://api.in.jumpcloud.com/insights/directory/v1",
}

// regionTokenURLs maps a region name to the OAuth 2.0 token endpoint of its service accounts.
var regionTokenURLs = map[string]string{
	"us": "https://admin-oauth.id.jumpcloud.com/oauth2/token",
	"eu": "https://admin-oauth.id.eu.jumpcloud.com/oauth2/token",
	"in": "https://admin-oauth.id.in.jumpcloud.com/oauth2/token",
}

// Regions lists the region names that RegionBaseURL accepts, sorted.
func Regions() []string {
	out := make([]string, 0, len(regionBaseURLs))
	for r := range regionBaseURLs {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// RegionBaseURL returns the API base URL of a region (us, eu, in; case-insensitive).
func RegionBaseURL(region string) (string, error) {
	u, ok := regionBaseURLs[strings.ToLower(strings.TrimSpace(region))]
	if !ok {
		return "", fmt.Errorf("unknown region %q: must be one of %s", region, strings.Join(Regions(), ", "))
	}
	return u, nil
}

// RegionTokenURL returns the service-account token endpoint of a region (us, eu, in).
func RegionTokenURL(region string) (string, error) {
	if _, err := RegionBaseURL(region); err != nil {
		return "", err
	}
	return regionTokenURLs[strings.ToLower(strings.TrimSpace(region))], nil
}

// KnownServices are the service names the API documents. The list grows over time, so an
// unknown name is not an error (the API answers 400 if it really is unknown).
var KnownServices = []string{
	"all", "access_management", "alerts", "asset_management", "directory", "ldap", "mdm",
	"notifications", "object_storage", "password_manager", "radius", "reports",
	"saas_app_management", "software", "sso", "systems", "workflows",
}

// IsKnownService tells whether s is one of KnownServices.
func IsKnownService(s string) bool {
	for _, k := range KnownServices {
		if k == s {
			return true
		}
	}
	return false
}
