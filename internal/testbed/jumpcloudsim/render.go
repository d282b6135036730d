package jumpcloudsim

import (
	"strconv"
	"strings"
	"time"
)

// world is the fixed population events talk about (users, admins, systems, applications),
// derived from the seed once; read-only afterwards.
type world struct {
	org     string
	users   []person
	admins  []person
	systems []system
	apps    []app
}

type person struct{ id, username, email string }

type system struct{ id, hostname, displayName, os string }

type app struct{ id, name, label, ssoType string }

type geo struct {
	country, continent, region, regionName, tz string
	lat, lon                                   float64
}

type agent struct {
	name, major, minor, patch, os, osName, osMajor, osMinor, device string
}

var (
	firstNames = []string{"jane", "john", "paul", "maria", "wei", "fatima", "lucas", "olga", "amit", "sara", "kenji", "noah", "emma", "liam", "ana", "omar"}
	lastNames  = []string{"doe", "smith", "garcia", "chen", "khan", "müller", "rossi", "novak", "patel", "silva", "tanaka", "brown", "o'neil", "kowalski"}
	domains    = []string{"example.com", "corp.example.org", "example.net"}
	geos       = []geo{
		{"US", "NA", "CO", "Colorado", "America/Denver", 39.7388, -104.9848},
		{"US", "NA", "OR", "Oregon", "America/Los_Angeles", 45.5235, -122.6762},
		{"US", "NA", "GA", "Georgia", "America/New_York", 33.6992, -84.7478},
		{"GB", "EU", "ENG", "England", "Europe/London", 51.5072, -0.1276},
		{"DE", "EU", "BE", "Land Berlin", "Europe/Berlin", 52.5200, 13.4050},
		{"IN", "AS", "KA", "Karnataka", "Asia/Kolkata", 12.9716, 77.5946},
		{"BR", "SA", "SP", "Sao Paulo", "America/Sao_Paulo", -23.5505, -46.6333},
		{"AU", "OC", "NSW", "New South Wales", "Australia/Sydney", -33.8688, 151.2093},
	}
	agents = []agent{
		{"Chrome", "124", "0", "6367", "Mac OS X", "Mac OS X", "10", "15", "Mac"},
		{"Firefox", "125", "0", "", "Windows", "Windows", "10", "", "Other"},
		{"Edge", "123", "0", "2420", "Windows", "Windows", "10", "", "Other"},
		{"Safari", "17", "4", "1", "iOS", "iOS", "17", "4", "iPhone"},
		{"Chrome", "71", "0", "3578", "Fedora", "Fedora", "", "", "Other"},
		{"JumpCloud Password Manager", "2", "14", "0", "Mac OS X", "Mac OS X", "14", "4", "Mac"},
	}
	appNames = []struct{ name, label string }{
		{"zendesk", "Zendesk SSO"}, {"slack", "Slack"}, {"github", "GitHub Enterprise"},
		{"aws", "AWS IAM Identity Center"}, {"salesforce", "Salesforce"}, {"atlassian", "Atlassian Cloud"},
		{"google", "Google Workspace"}, {"okta-bridge", "Okta (bridge)"}, {"box", "Box"}, {"zoom", "Zoom"},
	}
	systemOS = []string{"Mac OS X", "Windows", "Ubuntu", "Windows", "Mac OS X", "Amazon Linux"}
)

func newWorld(seed int64, org string) *world {
	r := newRNG(uint64(seed) ^ 0x5eed0f5eed0f5eed)
	hexID := func() string { return string(r.appendHex(nil, 12, false)) }
	if org == "" {
		org = hexID()
	}
	w := &world{org: org}
	for i := 0; i < 200; i++ {
		f, l := pick(&r, firstNames), pick(&r, lastNames)
		user := f + "." + strings.ReplaceAll(l, "'", "") + strconv.Itoa(i)
		w.users = append(w.users, person{id: hexID(), username: user, email: user + "@" + pick(&r, domains)})
	}
	for i := 0; i < 6; i++ {
		f := pick(&r, firstNames)
		w.admins = append(w.admins, person{id: hexID(), username: "admin-" + f, email: f + ".admin" + strconv.Itoa(i) + "@" + domains[0]})
	}
	for i := 0; i < 120; i++ {
		os := pick(&r, systemOS)
		host := strings.ToLower(strings.Fields(os)[0]) + "-" + strconv.Itoa(1000+i)
		w.systems = append(w.systems, system{id: hexID(), hostname: host, displayName: strings.ToUpper(host[:1]) + host[1:] + " laptop", os: os})
	}
	for _, a := range appNames {
		w.apps = append(w.apps, app{id: hexID(), name: a.name, label: a.label, ssoType: pick(&r, []string{"saml", "saml", "oidc"})})
	}
	return w
}

// renderEvent appends the JSON of a generated event. It depends only on the entry, its id and
// the world, so the same event always renders to the same bytes.
func (wd *world) renderEvent(b []byte, e *entry, id []byte) []byte {
	r := newRNG(e.seed)
	w := jw{b: b}
	w.beginObj()
	w.key("id")
	w.strBytes(id)
	svc := services[e.svc]
	w.kstr("service", svc)
	w.ktime("timestamp", time.Unix(0, e.ts).UTC(), e.flags&precisionMask)
	w.kstr("@version", "1")
	w.kstr("organization", wd.org)
	ev := evctx{w: &w, r: &r, wd: wd, ts: e.ts}
	switch svc {
	case "directory":
		ev.directory()
	case "sso":
		ev.sso()
	case "radius":
		ev.radius()
	case "systems":
		ev.systems()
	case "ldap":
		ev.ldap()
	case "mdm":
		ev.mdm()
	case "password_manager":
		ev.passwordManager()
	case "access_management":
		ev.accessManagement()
	case "alerts":
		ev.alerts()
	case "asset_management":
		ev.assetManagement()
	case "notifications":
		ev.notifications()
	case "object_storage":
		ev.objectStorage()
	case "reports":
		ev.reports()
	case "saas_app_management":
		ev.saasManagement()
	case "software":
		ev.software()
	case "workflows":
		ev.workflows()
	}
	w.endObj()
	return w.b
}

// evctx renders the service-specific part of one event.
type evctx struct {
	w  *jw
	r  *rng
	wd *world
	ts int64
}

func (c *evctx) user() person   { return pick(c.r, c.wd.users) }
func (c *evctx) admin() person  { return pick(c.r, c.wd.admins) }
func (c *evctx) system() system { return pick(c.r, c.wd.systems) }

func (c *evctx) eventType(types ...string) string {
	t := pick(c.r, types)
	c.w.kstr("event_type", t)
	return t
}

func (c *evctx) clientIP() { c.w.kip("client_ip", c.r) }

func (c *evctx) geoip(withCoords bool) {
	g := pick(c.r, geos)
	w := c.w
	w.kobj("geoip")
	w.kstr("country_code", g.country)
	w.kstr("continent_code", g.continent)
	w.kstr("region_code", g.region)
	w.kstr("region_name", g.regionName)
	w.kstr("timezone", g.tz)
	if withCoords {
		w.kfloat("latitude", g.lat)
		w.kfloat("longitude", g.lon)
	}
	w.endObj()
}

func (c *evctx) useragent(key string) {
	a := pick(c.r, agents)
	w := c.w
	w.kobj(key)
	w.kstr("name", a.name)
	w.kstr("major", a.major)
	w.kstr("minor", a.minor)
	w.kstr("patch", a.patch)
	w.kstr("build", "")
	w.kstr("os", a.os)
	w.kstr("os_name", a.osName)
	w.kstr("os_major", a.osMajor)
	w.kstr("os_minor", a.osMinor)
	w.kstr("device", a.device)
	w.endObj()
}

// initiatedBy writes initiated_by for an admin (email) or a user (username).
func (c *evctx) initiatedBy(byAdmin bool) person {
	w := c.w
	w.kobj("initiated_by")
	var p person
	if byAdmin {
		p = c.admin()
		w.kstr("id", p.id)
		w.kstr("type", "admin")
		w.kstr("email", p.email)
	} else {
		p = c.user()
		w.kstr("id", p.id)
		w.kstr("type", "user")
		w.kstr("username", p.username)
	}
	w.endObj()
	return p
}

func (c *evctx) resourceUser(key string) person {
	p := c.user()
	w := c.w
	w.kobj(key)
	w.kstr("id", p.id)
	w.kstr("type", "user")
	w.kstr("username", p.username)
	w.kstr("email", p.email)
	w.endObj()
	return p
}

// changes writes n changes; from/to are strings, numbers, booleans, null or objects.
func (c *evctx) changes(fields ...string) {
	w := c.w
	w.karr("changes")
	n := 1 + c.r.intn(len(fields))
	for i := 0; i < n; i++ {
		w.beginObj()
		w.kstr("field", fields[(i+c.r.intn(len(fields)))%len(fields)])
		switch c.r.intn(5) {
		case 0:
			w.kbool("from", false)
			w.kbool("to", true)
		case 1:
			w.kint("from", int64(c.r.intn(100)))
			w.kint("to", int64(c.r.intn(100)))
		case 2:
			w.knull("from")
			w.kstr("to", c.user().username)
		case 3:
			w.kobj("from")
			w.kstr("state", "ACTIVATED")
			w.endObj()
			w.kobj("to")
			w.kstr("state", "SUSPENDED")
			w.endObj()
		default:
			w.kstr("from", c.user().email)
			w.kstr("to", c.user().email)
		}
		w.endObj()
	}
	w.endArr()
}

func (c *evctx) directory() {
	w := c.w
	t := c.eventType("user_login_attempt", "user_login_attempt", "admin_login_attempt", "user_update",
		"user_create", "association_change", "group_update", "system_update", "command_run",
		"policy_update", "user_password_change", "application_update", "user_lockout", "user_suspended")
	login := strings.HasSuffix(t, "_login_attempt")
	byAdmin := !login || t == "admin_login_attempt"
	p := c.initiatedBy(byAdmin)
	if login {
		w.kobj("resource")
		w.kstr("id", p.id)
		w.kstr("type", ifElse(byAdmin, "admin", "user"))
		w.kstr("email", p.email)
		w.endObj()
		ok := c.r.chance(0.9)
		w.kbool("success", ok)
		mfa := c.r.chance(0.6)
		w.kbool("mfa", mfa)
		if mfa {
			w.kobj("mfa_meta")
			w.kstr("type", pick(c.r, []string{"totp", "webauthn", "push"}))
			w.endObj()
		}
		if !ok {
			w.kstr("error_message", pick(c.r, []string{"invalid credentials", "mfa failed", "user is locked out"}))
		}
	} else {
		c.resourceUser("resource")
		c.changes("firstname", "lastname", "email", "department", "suspended", "mfa.configured", "attributes")
		if t == "association_change" {
			a := c.system()
			w.kobj("association")
			w.kobj("connection")
			w.kobj("from")
			w.kstr("type", "user")
			w.kstr("object_id", c.user().id)
			w.endObj()
			w.kobj("to")
			w.kstr("type", "system")
			w.kstr("object_id", a.id)
			w.kstr("name", a.displayName)
			w.endObj()
			w.endObj()
			w.kstr("op", pick(c.r, []string{"add", "remove"}))
			w.endObj()
		}
		w.kbool("success", true)
		w.kbool("mfa", false)
	}
	w.kstr("auth_method", pick(c.r, []string{"session", "session", "api-key"}))
	c.clientIP()
	c.geoip(c.r.chance(0.5))
	c.useragent("useragent")
	w.knull("provider")
}

func (c *evctx) sso() {
	w := c.w
	c.eventType("sso_auth")
	p := c.initiatedBy(false)
	a := pick(c.r, c.wd.apps)
	w.kobj("application")
	w.kstr("id", a.id)
	w.kstr("name", a.name)
	w.kstr("display_label", a.label)
	w.kstr("sso_url", "https://sso.jumpcloud.com/saml2/"+a.name)
	w.kstr("sso_type", a.ssoType)
	w.endObj()
	ok := c.r.chance(0.93)
	w.kbool("sso_token_success", ok)
	w.kbool("idp_initiated", c.r.chance(0.4))
	w.kbool("mfa", c.r.chance(0.7))
	w.kobj("auth_context")
	w.kobj("auth_methods")
	w.kobj("password")
	w.kbool("success", ok)
	w.endObj()
	if c.r.chance(0.5) {
		w.kobj("jumpcloud_protect")
		w.kbool("success", ok)
		w.endObj()
	}
	w.endObj()
	w.karr("policies_applied")
	w.beginObj()
	w.khex("id", c.r, 12)
	w.kstr("name", "Require MFA outside office")
	w.kobj("metadata")
	w.kstr("action", "allow")
	w.endObj()
	w.endObj()
	w.endArr()
	w.endObj()
	w.kstr("username", p.username)
	if !ok {
		w.kstr("error_message", "user not assigned to application")
	}
	c.clientIP()
	c.geoip(true)
	c.useragent("useragent")
	w.knull("provider")
}

func (c *evctx) radius() {
	w := c.w
	c.eventType("radius_auth_attempt")
	p := c.initiatedBy(false)
	ok := c.r.chance(0.85)
	w.kstr("username", p.username)
	w.kstr("auth_type", pick(c.r, []string{"pap", "mschapv2", "eap"}))
	eap := pick(c.r, []string{"PEAP", "TTLS", "MSCHAPv2"})
	w.kstr("eap_type", eap)
	w.kstr("nas_mfa_state", pick(c.r, []string{"disabled", "enabled", "required", "always"}))
	mfa := c.r.chance(0.4)
	w.kbool("mfa", mfa)
	if mfa {
		w.kobj("mfa_meta")
		w.kstr("type", "totp")
		w.endObj()
	}
	w.kobj("outer")
	w.kstr("eap_type", strings.ToLower(eap))
	w.kstr("username", p.username)
	if ok {
		w.knull("error_message")
	} else {
		w.kstr("error_message", "eap_peap: The users session was previously rejected: returning reject (again.)")
	}
	w.endObj()
	w.kobj("auth_meta")
	w.kip("nas_ip", c.r)
	w.kstr("nas_identifier", "ap-"+strconv.Itoa(c.r.intn(40)))
	w.endObj()
	w.kbool("success", ok)
	if !ok {
		w.kstr("error_message", `pap: Crypt digest does not match "known good" digest`)
	}
	c.clientIP()
	c.geoip(false)
}

func (c *evctx) systems() {
	w := c.w
	t := c.eventType("login_attempt", "login_attempt", "login_attempt", "user_password_change", "system_fde_key_update", "user_lockout")
	s := c.system()
	w.kobj("system")
	w.kstr("id", s.id)
	w.kstr("hostname", s.hostname)
	w.kstr("displayName", s.displayName)
	w.endObj()
	// local time with an offset
	offsets := []int{-7 * 3600, -5 * 3600, 0, 3600, 5*3600 + 1800, 9*3600 + 1800}
	loc := time.FixedZone("", pick(c.r, offsets))
	w.key("system_timestamp")
	w.str(time.Unix(0, c.ts).In(loc).Format(time.RFC3339))
	p := c.user()
	proc := "sshd"
	switch s.os {
	case "Windows":
		proc = pick(c.r, []string{"winlogon.exe", "svchost.exe", "lsass.exe"})
	case "Mac OS X":
		proc = pick(c.r, []string{"loginwindow", "sshd", "screensaver"})
	}
	src := c.r.ip()
	ok := c.r.chance(0.88)
	w.kstr("username", p.username)
	w.kstr("process_name", proc)
	w.kstr("src_ip", src)
	w.kbool("success", ok)
	w.kstr("message", "User "+p.username+" logged in from "+src+", process name: "+proc)
	if s.os == "Windows" {
		w.kobj("windows_meta")
		w.kbool("elevated", c.r.chance(0.2))
		w.kstr("logon_type", pick(c.r, []string{"2", "3", "5", "7", "10", "11"}))
		w.endObj()
	}
	if t != "login_attempt" {
		w.kobj("resource")
		w.kstr("type", "systemuser")
		w.kstr("id", p.id)
		w.kstr("username", p.username)
		w.endObj()
		w.karr("changes")
		w.beginObj()
		w.kstr("field", "password")
		w.endObj()
		w.endArr()
	}
	w.kobj("initiated_by")
	w.kstr("type", "systemuser")
	w.kstr("id", p.id)
	w.kstr("username", p.username)
	w.endObj()
	c.clientIP()
	c.geoip(false)
	w.knull("provider")
}

func (c *evctx) ldap() {
	w := c.w
	t := c.eventType("ldap_bind", "ldap_bind", "ldap_search")
	p := c.user()
	w.kbase64("connection_id", c.r, 32)
	w.kint("operation_number", int64(c.r.intn(12)))
	w.kstr("dn", "uid="+p.username+",ou=Users,o="+c.wd.org+",dc=jumpcloud,dc=com")
	w.kstr("auth_method", "simple")
	w.kstr("mech", "simple")
	w.kbool("start_tls", c.r.chance(0.3))
	w.kbool("tls_established", c.r.chance(0.8))
	w.kstr("username", p.username)
	ok := c.r.chance(0.9)
	w.kbool("success", ok)
	if ok {
		w.kint("error_code", 0)
	} else {
		w.kint("error_code", 49)
		w.kstr("error_message", "invalid credentials")
	}
	if t == "ldap_search" {
		w.kstr("base", "ou=Users,o="+c.wd.org+",dc=jumpcloud,dc=com")
		w.kint("scope", int64(c.r.intn(3)))
		w.kint("deref", 0)
		w.kstr("filter", "(&(objectClass=inetOrgPerson)(uid="+p.username+"))")
		w.kstr("attr", "uid mail memberOf")
		w.kint("number_of_results", int64(c.r.intn(50)))
	}
	w.kobj("initiated_by")
	w.kstr("type", "user")
	w.kstr("id", p.id)
	w.kstr("username", p.username)
	w.endObj()
	c.clientIP()
	c.geoip(false)
}

func (c *evctx) mdm() {
	w := c.w
	t := c.eventType("mdm_command_result", "mdm_command_result", "mdm_command_result", "device_enrollment", "configuration_file_download")
	s := c.system()
	w.kstr("mdm_type", ifElse(s.os == "Windows", "windows", "apple"))
	w.kstr("mdm_device_id", s.id)
	w.khex("device_manager_object_id", c.r, 12)
	if s.os == "Windows" {
		w.key("windows_device_uuid")
		w.hex(c.r, 16, true, "")
	}
	w.kobj("initiated_by")
	w.kstr("email", c.admin().email)
	w.endObj()
	if t != "mdm_command_result" {
		w.kbool("success", true)
		w.kstr("result", "successful enrollment of device")
		c.geoip(true)
		return
	}
	w.kuuid("command_uuid", c.r, false)
	large := c.r.chance(0.04)
	reqType := pick(c.r, []string{"RestartDevice", "DeviceInformation", "InstalledApplicationList", "DeviceLock", "SecurityInfo"})
	if large {
		reqType = pick(c.r, []string{"ProfileList", "InstallProfile"})
	}
	w.kstr("request_type", reqType)
	w.kobj("command")
	w.kstr("request_type", reqType)
	switch reqType {
	case "InstallProfile":
		// a base64 mobileconfig payload: tens of KB
		w.kbase64("payload", c.r, 6000+c.r.intn(36000))
	case "ProfileList":
		w.karr("profile_list")
		n := 40 + c.r.intn(120)
		for i := 0; i < n; i++ {
			w.beginObj()
			w.kstr("PayloadDisplayName", "JumpCloud Policy "+strconv.Itoa(i))
			w.key("PayloadIdentifier")
			w.hex(c.r, 12, false, "com.jumpcloud.policy.")
			w.kuuid("PayloadUUID", c.r, true)
			w.kint("PayloadVersion", 1)
			w.kbool("IsManaged", true)
			w.kbool("HasRemovalPasscode", false)
			w.kstr("PayloadOrganization", "JumpCloud")
			w.kstr("PayloadDescription", "Configures device settings managed by JumpCloud policy number "+strconv.Itoa(i))
			w.endObj()
		}
		w.endArr()
	}
	w.endObj()
	ok := c.r.chance(0.9)
	if ok {
		w.kstr("status", pick(c.r, []string{"Acknowledged", "Acknowledged", "Idle"}))
	} else {
		w.kstr("status", pick(c.r, []string{"Error", "CommandFormatError"}))
		w.karr("error_chain")
		w.beginObj()
		w.kint("error_code", 12021)
		w.kstr("error_domain", "MCMDMErrorDomain")
		w.kstr("localized_description", "The device is not supervised.")
		w.kstr("us_english_description", "The device is not supervised.")
		w.endObj()
		w.endArr()
	}
	w.kbool("success", ok)
	c.geoip(true)
}

func (c *evctx) passwordManager() {
	w := c.w
	c.eventType("passwordmanager_item_reveal", "passwordmanager_item_copy", "passwordmanager_item_autofill",
		"passwordmanager_app_unlock", "passwordmanager_folder_update", "passwordmanager_extension_unlock")
	p := c.user()
	w.kobj("initiated_by")
	w.kstr("id", p.id)
	w.kstr("type", "user")
	w.kstr("email", p.email)
	w.endObj()
	w.kobj("resource")
	w.khex("id", c.r, 12)
	w.kstr("type", "item")
	w.kstr("name", pick(c.r, []string{"GitHub", "AWS root", "Wi-Fi office", "Bank portal"}))
	w.endObj()
	w.kbool("success", c.r.chance(0.97))
	c.clientIP()
	c.useragent("user_agent")
	c.geoip(true)
	w.knull("provider")
}

func (c *evctx) accessManagement() {
	w := c.w
	c.eventType("access_management_access_request", "access_management_access_request_approval", "access_management_association_change")
	w.kuuid("pid", c.r, false)
	w.khex("access_request_id", c.r, 12)
	c.resourceUser("resource")
	w.kobj("workflow")
	w.kstr("type", "access-workflow")
	w.khex("id", c.r, 12)
	w.kstr("name", "Temporary admin access")
	w.kstr("desc", "grants local admin for 4 hours")
	w.endObj()
	c.initiatedBy(true)
	c.changes("status", "approver", "expires_at")
	w.kbool("success", true)
	c.clientIP()
	c.useragent("user_agent")
	c.geoip(true)
	w.knull("provider")
}

func (c *evctx) alerts() {
	w := c.w
	c.eventType("alert_created", "alert_updated", "alert_status_updated", "rule_created", "rule_modified", "rule_deleted")
	w.kstr("category", pick(c.r, []string{"System", "Directory", "Identity"}))
	w.kstr("severity", pick(c.r, []string{"Low", "Medium", "High", "Critical"}))
	w.kobj("correlation")
	w.khex("id", c.r, 12)
	w.endObj()
	w.kobj("resource")
	w.khex("id", c.r, 12)
	w.kstr("context", `{"rule":"failed logins > 10 in 5m"}`)
	w.kstr("source_id", c.system().id)
	w.kstr("source_type", "device")
	w.khex("reference_id", c.r, 12)
	w.endObj()
	c.initiatedBy(true)
	c.changes("Status", "Remark")
	w.kstr("username", c.user().username)
	w.kbool("success", true)
	c.clientIP()
	c.geoip(false)
}

func (c *evctx) assetManagement() {
	w := c.w
	c.eventType("asset_management_asset_create", "asset_management_asset_update", "asset_management_asset_delete", "asset_management_field_setting_update")
	w.kobj("resource")
	w.key("id")
	w.hex(c.r, 12, true, "")
	w.kstr("type", "DEVICE")
	w.endObj()
	c.changes("Name", "Serial Number", "Assigned To", "Warranty End")
	c.initiatedBy(true)
	w.kstr("username", c.user().username)
	w.kstr("detail", "An asset has been updated in Asset Management.")
	c.clientIP()
	c.geoip(false)
}

func (c *evctx) notifications() {
	w := c.w
	c.eventType("notification_channel_created", "notification_channel_updated", "notification_channel_deleted")
	w.kstr("name", "software install failed notification channel")
	w.kstr("type", pick(c.r, []string{"email", "slack", "webhook"}))
	w.kstr("description", "This channel will notify the admin when a software install fails")
	w.khex("channel_object_id", c.r, 12)
	w.kobj("correlation")
	w.khex("id", c.r, 12)
	w.endObj()
	a := c.admin()
	w.karr("config")
	w.beginObj()
	w.kstr("name", a.username)
	w.kstr("email", a.email)
	w.endObj()
	w.beginObj()
	w.kstr("role_object_id", a.id)
	w.endObj()
	w.endArr()
	w.kbool("success", true)
	c.initiatedBy(true)
	c.clientIP()
}

func (c *evctx) objectStorage() {
	w := c.w
	c.eventType("object_storage_create", "object_storage_upload_validation_result", "object_storage_get_download_url_request", "object_storage_delete")
	w.kstr("result", pick(c.r, []string{"Success", "Success", "Failure"}))
	w.khex("referrer_object_id", c.r, 12)
	w.kstr("referrer_type", "SOFTWARE_APP")
	w.khex("object_storage_item_object_id", c.r, 12)
	w.khex("object_storage_item_version_object_id", c.r, 12)
	w.kstr("object_storage_item_version_name", pick(c.r, []string{"GoogleChrome.pkg", "Slack.msi", "Zoom.pkg"}))
	w.kint("object_storage_item_version_size", int64(1e6+c.r.intn(3e8)))
	w.khex("object_storage_item_version_sha_256_sum", c.r, 32)
	w.kint("total_software_item_count", int64(c.r.intn(300)))
	w.kint("total_space_used", int64(c.r.intn(1e12)))
	w.kstr("system_object_id", c.system().id)
}

func (c *evctx) reports() {
	w := c.w
	c.eventType("report_run", "report_export", "report_create", "report_update", "report_delete")
	w.kobj("resource")
	w.kstr("name", "users to devices")
	w.khex("id", c.r, 12)
	w.kstr("description", "test example description")
	w.karr("resources")
	w.str("users")
	w.str("devices")
	w.endArr()
	w.kobj("search_request")
	w.endObj()
	w.kobj("configuration")
	w.endObj()
	w.endObj()
	c.changes("name", "columns")
	c.initiatedBy(true)
	w.kstr("auth_method", "session")
	c.clientIP()
	c.useragent("user_agent")
	c.geoip(true)
	w.knull("provider")
}

func (c *evctx) saasManagement() {
	w := c.w
	c.eventType("saas_management_application_discover", "saas_management_login_event", "saas_management_application_update", "saas_management_account_discover")
	a := pick(c.r, c.wd.apps)
	w.kobj("resource")
	w.kstr("application_id", a.name)
	w.kstr("application_name", a.label)
	w.kstr("application_category", "Productivity")
	w.endObj()
	c.changes("status")
	c.initiatedBy(false)
	w.kstr("username", c.user().username)
	w.kstr("detail", "SaaS Management application reviewed.")
	c.clientIP()
	c.geoip(false)
}

func (c *evctx) software() {
	w := c.w
	c.eventType("software_add", "software_change", "software_remove", "software_add_request")
	s := c.system()
	w.kobj("system")
	w.kstr("id", s.id)
	w.kstr("type", "system")
	w.endObj()
	w.kobj("resource")
	w.kstr("id", s.id)
	w.kstr("type", "system")
	w.endObj()
	w.kobj("application")
	w.kstr("name", pick(c.r, []string{"Google Chrome", "Slack", "Zoom", "1Password", "Visual Studio Code"}))
	w.kstr("version", strconv.Itoa(90+c.r.intn(40))+"."+strconv.Itoa(c.r.intn(10)))
	w.kstr("path", `C:\Program Files\App\app.exe`)
	w.kstr("publisher", "Vendor Inc.")
	w.endObj()
	c.changes("version")
	w.kstr("app_management_source", "JumpCloud App Catalog")
	w.knull("provider")
}

func (c *evctx) workflows() {
	w := c.w
	c.eventType("workflow_run", "workflow_create", "workflow_update")
	w.kobj("resource")
	w.khex("id", c.r, 12)
	w.kstr("type", "workflow")
	w.kstr("name", "Offboard user")
	w.endObj()
	c.initiatedBy(true)
	w.kbool("success", c.r.chance(0.95))
	c.clientIP()
}

func ifElse(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}
