package jumpcloud

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// APIBasePath is the path of the Directory Insights API v1 below the API host.
const APIBasePath = "/insights/directory/v1"

// BaseURLFromEndpoint turns the endpoint a user configured into the API base URL that
// EventsPath and CountPath are appended to. It accepts, each with or without a trailing slash:
//
//   - the API host, as JumpCloud's docs show it: https://api.jumpcloud.com
//   - the base URL: https://api.jumpcloud.com/insights/directory/v1
//   - the events URL: https://api.jumpcloud.com/insights/directory/v1/events
//
// Any other path is the prefix of a reverse proxy that forwards to the API host: the base path
// is appended to it (https://proxy.example.com/jumpcloud becomes
// https://proxy.example.com/jumpcloud/insights/directory/v1). A proxy must therefore keep the
// API's own path below its prefix. The scheme must be http or https; a query, a fragment or
// user info in the URL is refused (requests are built by appending paths to the base URL).
func BaseURLFromEndpoint(endpoint string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(endpoint))
	if err != nil {
		return "", fmt.Errorf("not a URL: %w", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("scheme %q must be http or https", u.Scheme)
	case u.Host == "":
		return "", errors.New("has no host")
	case u.User != nil:
		return "", errors.New("must not contain user info: authentication is api_key or client_id/client_secret")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", errors.New("must not contain a query or a fragment")
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	if strings.HasSuffix(path, APIBasePath+EventsPath) {
		path = strings.TrimSuffix(path, EventsPath)
	}
	if !strings.HasSuffix(path, APIBasePath) {
		path += APIBasePath
	}
	return u.Scheme + "://" + u.Host + path, nil
}
