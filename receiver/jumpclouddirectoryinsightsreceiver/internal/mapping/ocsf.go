package mapping // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/mapping"

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// The ocsf format: the body is an OCSF 1.8.0 event. docs/format-ocsf.md has the class table
// and the field mapping for users; this comment says how the code is laid out.
//
// An event is mapped in three steps, all reading the decoded event in place (fastjson values:
// no encoding/json, no reflection, no Go maps built per event):
//
//  1. classify picks the class and activity from the service and the event type (and, for
//     association changes, from the association's ends), then resolve finds the objects that
//     the class requires (the user of Authentication, the group of Group Management, the
//     managed entity of Entity Management, ...). A class whose required object the event lacks
//     falls back to API Activity, which any event can fill, so that every event validates.
//  2. The writers put the OCSF attributes into the body and note each JumpCloud field (or
//     member of a top-level object) that they represent.
//  3. putUnmapped copies under `unmapped`, as JumpCloud sent them, the top-level fields that
//     were not represented and the members of partly represented objects that were not. A
//     field that the mapping reads and finds of an unexpected type is named as a problem
//     (jumpcloud.mapping.error) and left out, like a represented one (as in every format: a
//     field that changes type would otherwise conflict in the indexes of the backends).
//
// Every identifier of this file starts with ocsf: the package holds one file per format.

// ocsfVersion is metadata.version: the schema version that the events conform to.
const ocsfVersion = "1.8.0"

// OCSF category uids.
const (
	ocsfCategoryIAM         int64 = 3 // Identity & Access Management
	ocsfCategoryApplication int64 = 6 // Application Activity
)

// OCSF class uids (category_uid*1000 + the class's own uid).
const (
	ocsfAccountChange    int64 = 3001
	ocsfAuthentication   int64 = 3002
	ocsfEntityManagement int64 = 3004
	ocsfUserAccess       int64 = 3005
	ocsfGroupManagement  int64 = 3006
	ocsfAPIActivity      int64 = 6003
)

// ocsfActOther is the activity every class has (base_event) for what its own do not name; its
// activity_name is then the source's (here the event type).
const ocsfActOther int64 = 99

// Authentication (3002) activities: only Logon is used (JumpCloud reports no logoff, and no
// Kerberos ticket).
const ocsfActLogon int64 = 1

// Account Change (3001) activities. The class has no Update: a user_update is Other.
const (
	ocsfActAccountCreate         int64 = 1
	ocsfActAccountEnable         int64 = 2
	ocsfActAccountPasswordChange int64 = 3
	ocsfActAccountPasswordReset  int64 = 4
	ocsfActAccountDisable        int64 = 5
	ocsfActAccountDelete         int64 = 6
	ocsfActAccountLock           int64 = 9
	ocsfActAccountMFAEnable      int64 = 10
	ocsfActAccountMFADisable     int64 = 11
	ocsfActAccountUnlock         int64 = 12
)

// Group Management (3006) activities. The class has no Update: a group_update is Other.
const (
	ocsfActGroupAssignPrivileges int64 = 1
	ocsfActGroupRevokePrivileges int64 = 2
	ocsfActGroupAddUser          int64 = 3
	ocsfActGroupRemoveUser       int64 = 4
	ocsfActGroupDelete           int64 = 5
	ocsfActGroupCreate           int64 = 6
	ocsfActGroupAddSubgroup      int64 = 7
	ocsfActGroupRemoveSubgroup   int64 = 8
)

// User Access Management (3005) activities.
const (
	ocsfActAccessAssign int64 = 1
	ocsfActAccessRevoke int64 = 2
)

// Entity Management (3004) activities; API Activity (6003) has the first four, with the same
// ids.
const (
	ocsfActCreate     int64 = 1
	ocsfActRead       int64 = 2
	ocsfActUpdate     int64 = 3
	ocsfActDelete     int64 = 4
	ocsfActMove       int64 = 5
	ocsfActEnroll     int64 = 6
	ocsfActUnenroll   int64 = 7
	ocsfActEnable     int64 = 8
	ocsfActDisable    int64 = 9
	ocsfActActivate   int64 = 10
	ocsfActDeactivate int64 = 11
	ocsfActSuspend    int64 = 12
	ocsfActResume     int64 = 13
)

// severity_id values used: a failed logon is Low, anything else Informational (see
// ocsfSeverity).
const (
	ocsfSeverityInformational int64 = 1
	ocsfSeverityLow           int64 = 2
)

// status_id values (from the event's outcome).
const (
	ocsfStatusUnknown int64 = 0
	ocsfStatusSuccess int64 = 1
	ocsfStatusFailure int64 = 2
)

// Type ids of the objects the mapping fills (user.type_id, managed_entity.type_id, ...).
const (
	ocsfTypeUnknown int64 = 0
	ocsfTypeOther   int64 = 99

	ocsfUserTypeUser   int64 = 1
	ocsfUserTypeAdmin  int64 = 2
	ocsfUserTypeSystem int64 = 3

	ocsfEntityTypeDevice       int64 = 1
	ocsfEntityTypeUser         int64 = 2
	ocsfEntityTypeGroup        int64 = 3
	ocsfEntityTypeOrganization int64 = 4
	ocsfEntityTypePolicy       int64 = 5
)

// auth_protocol_id values used.
const (
	ocsfAuthProtocolUnknown int64 = 0
	ocsfAuthProtocolOpenID  int64 = 4
	ocsfAuthProtocolSAML    int64 = 5
	ocsfAuthProtocolOAuth2  int64 = 6
	ocsfAuthProtocolRADIUS  int64 = 10
	ocsfAuthProtocolLDAP    int64 = 12
	ocsfAuthProtocolOther   int64 = 99
)

// logon_type_id values used directly (Windows' own logon types are mapped in ocsfLogonType).
const (
	ocsfLogonTypeNetwork int64 = 3
	ocsfLogonTypeUnlock  int64 = 7
)

// ocsfVendor and ocsfProduct are metadata.product.
const (
	ocsfVendor  = "JumpCloud"
	ocsfProduct = "Directory Insights"
)

// ocsfPlatform names JumpCloud where OCSF requires a name the event does not give: the actor
// of an API Activity without initiated_by, the source endpoint of an API Activity without an
// address, the service of an Authentication that names none.
const ocsfPlatform = "JumpCloud"

// ocsfMaxIP is ip_t's max_len in the schema: a longer "address" is not one.
const ocsfMaxIP = 40

// ocsfClass holds a class's identity and captions; its type names are built once.
type ocsfClass struct {
	uid, category      int64
	name, categoryName string
	// activities is the caption of each activity id the class defines, by id ("" where
	// none); typeNames is "<class>: <activity>" for the same ids.
	activities, typeNames []string
	typeNameOther         string
}

// newOCSFClass returns the class; activities are the captions of ids 1, 2, ... in order.
func newOCSFClass(uid, category int64, name, categoryName string, activities ...string) *ocsfClass {
	c := &ocsfClass{uid: uid, category: category, name: name, categoryName: categoryName}
	c.activities = append([]string{"Unknown"}, activities...)
	c.typeNames = make([]string, len(c.activities))
	for i, a := range c.activities {
		c.typeNames[i] = name + ": " + a
	}
	c.typeNameOther = name + ": Other"
	return c
}

// activity returns the captions of activity id: activity_name and type_name. For Other the
// activity_name is source-defined (OCSF): the event type, else "Other".
func (c *ocsfClass) activity(id int64, eventType string) (name, typeName string) {
	if id == ocsfActOther {
		if eventType == "" {
			eventType = "Other"
		}
		return eventType, c.typeNameOther
	}
	if id < 0 || int(id) >= len(c.activities) {
		return c.activities[0], c.typeNames[0]
	}
	return c.activities[id], c.typeNames[id]
}

// The classes the mapping emits (captions from the schema, checked by TestOCSFValidates with
// --warnings).
var (
	ocsfClassAccountChange = newOCSFClass(ocsfAccountChange, ocsfCategoryIAM, "Account Change", "Identity & Access Management",
		"Create", "Enable", "Password Change", "Password Reset", "Disable", "Delete", "Attach Policy", "Detach Policy",
		"Lock", "MFA Factor Enable", "MFA Factor Disable", "Unlock")
	ocsfClassAuthentication = newOCSFClass(ocsfAuthentication, ocsfCategoryIAM, "Authentication", "Identity & Access Management",
		"Logon", "Logoff", "Authentication Ticket", "Service Ticket Request", "Service Ticket Renew", "Preauth", "Account Switch")
	ocsfClassEntityManagement = newOCSFClass(ocsfEntityManagement, ocsfCategoryIAM, "Entity Management", "Identity & Access Management",
		"Create", "Read", "Update", "Delete", "Move", "Enroll", "Unenroll", "Enable", "Disable", "Activate", "Deactivate",
		"Suspend", "Resume")
	ocsfClassUserAccess = newOCSFClass(ocsfUserAccess, ocsfCategoryIAM, "User Access Management", "Identity & Access Management",
		"Assign Privileges", "Revoke Privileges")
	ocsfClassGroupManagement = newOCSFClass(ocsfGroupManagement, ocsfCategoryIAM, "Group Management", "Identity & Access Management",
		"Assign Privileges", "Revoke Privileges", "Add User", "Remove User", "Delete", "Create", "Add Subgroup", "Remove Subgroup")
	ocsfClassAPIActivity = newOCSFClass(ocsfAPIActivity, ocsfCategoryApplication, "API Activity", "Application Activity",
		"Create", "Read", "Update", "Delete")
)

// ocsfRule is what an event type decides on its own: class, activity, and the privilege of a
// grant (User Access, Group Management); assoc sends it to the association's ends instead.
type ocsfRule struct {
	class     *ocsfClass
	activity  int64
	privilege string
	assoc     bool
}

// ocsfRules are the event types of the known services (ocsfKnownService) whose class or
// activity the generic rules of classify do not give. The event type names come from
// JumpCloud's API documentation (Event Types) and the project's simulator.
var ocsfRules = map[string]ocsfRule{
	// Logons: the user portal and the admin portal (directory), a device (systems), an SSO
	// application, RADIUS, an LDAP bind, a SaaS application seen by SaaS Management, and the
	// password manager's unlock (the user proves their identity to the vault: a logon of
	// type Unlock).
	"user_login_attempt":               {class: ocsfClassAuthentication, activity: ocsfActLogon},
	"admin_login_attempt":              {class: ocsfClassAuthentication, activity: ocsfActLogon},
	"login_attempt":                    {class: ocsfClassAuthentication, activity: ocsfActLogon},
	"sso_auth":                         {class: ocsfClassAuthentication, activity: ocsfActLogon},
	"radius_auth":                      {class: ocsfClassAuthentication, activity: ocsfActLogon},
	"radius_auth_attempt":              {class: ocsfClassAuthentication, activity: ocsfActLogon},
	"ldap_bind":                        {class: ocsfClassAuthentication, activity: ocsfActLogon},
	"saas_management_login_event":      {class: ocsfClassAuthentication, activity: ocsfActLogon},
	"passwordmanager_app_unlock":       {class: ocsfClassAuthentication, activity: ocsfActLogon},
	"passwordmanager_extension_unlock": {class: ocsfClassAuthentication, activity: ocsfActLogon},

	// User and admin accounts (directory, systems, the password manager's users).
	"user_create":                     {class: ocsfClassAccountChange, activity: ocsfActAccountCreate},
	"admin_create":                    {class: ocsfClassAccountChange, activity: ocsfActAccountCreate},
	"user_create_provision":           {class: ocsfClassAccountChange, activity: ocsfActAccountCreate},
	"passwordmanager_user_signup":     {class: ocsfClassAccountChange, activity: ocsfActAccountCreate},
	"user_delete":                     {class: ocsfClassAccountChange, activity: ocsfActAccountDelete},
	"admin_delete":                    {class: ocsfClassAccountChange, activity: ocsfActAccountDelete},
	"user_delete_provision":           {class: ocsfClassAccountChange, activity: ocsfActAccountDelete},
	"passwordmanager_user_remove":     {class: ocsfClassAccountChange, activity: ocsfActAccountDelete},
	"user_update":                     {class: ocsfClassAccountChange, activity: ocsfActOther},
	"admin_update":                    {class: ocsfClassAccountChange, activity: ocsfActOther},
	"systemuser_update":               {class: ocsfClassAccountChange, activity: ocsfActOther},
	"user_update_provision":           {class: ocsfClassAccountChange, activity: ocsfActOther},
	"passwordmanager_user_update":     {class: ocsfClassAccountChange, activity: ocsfActOther},
	"user_password_change":            {class: ocsfClassAccountChange, activity: ocsfActAccountPasswordChange},
	"admin_password_change":           {class: ocsfClassAccountChange, activity: ocsfActAccountPasswordChange},
	"user_password_reset_request":     {class: ocsfClassAccountChange, activity: ocsfActAccountPasswordReset},
	"admin_password_reset_request":    {class: ocsfClassAccountChange, activity: ocsfActAccountPasswordReset},
	"user_activated":                  {class: ocsfClassAccountChange, activity: ocsfActAccountEnable},
	"user_password_set":               {class: ocsfClassAccountChange, activity: ocsfActAccountEnable}, // leaves the pending state
	"user_unsuspended":                {class: ocsfClassAccountChange, activity: ocsfActAccountEnable},
	"admin_unsuspend":                 {class: ocsfClassAccountChange, activity: ocsfActAccountEnable},
	"passwordmanager_user_enable":     {class: ocsfClassAccountChange, activity: ocsfActAccountEnable},
	"passwordmanager_user_activate":   {class: ocsfClassAccountChange, activity: ocsfActAccountEnable},
	"passwordmanager_user_reactivate": {class: ocsfClassAccountChange, activity: ocsfActAccountEnable},
	"passwordmanager_user_re-enable":  {class: ocsfClassAccountChange, activity: ocsfActAccountEnable},
	"user_suspended":                  {class: ocsfClassAccountChange, activity: ocsfActAccountDisable},
	"admin_suspended":                 {class: ocsfClassAccountChange, activity: ocsfActAccountDisable},
	"passwordmanager_user_disable":    {class: ocsfClassAccountChange, activity: ocsfActAccountDisable},
	"passwordmanager_user_deactivate": {class: ocsfClassAccountChange, activity: ocsfActAccountDisable},
	"user_lockout":                    {class: ocsfClassAccountChange, activity: ocsfActAccountLock},
	"admin_lockout":                   {class: ocsfClassAccountChange, activity: ocsfActAccountLock},
	"user_unlocked":                   {class: ocsfClassAccountChange, activity: ocsfActAccountUnlock},
	"totp_finish_enrollment":          {class: ocsfClassAccountChange, activity: ocsfActAccountMFAEnable},
	"admin_totp_finish_enrollment":    {class: ocsfClassAccountChange, activity: ocsfActAccountMFAEnable},
	"totp_delete_enrollment":          {class: ocsfClassAccountChange, activity: ocsfActAccountMFADisable},
	"admin_totp_disable":              {class: ocsfClassAccountChange, activity: ocsfActAccountMFADisable},
	"totp_start_enrollment":           {class: ocsfClassAccountChange, activity: ocsfActOther},
	"admin_totp_start_enrollment":     {class: ocsfClassAccountChange, activity: ocsfActOther},

	// Groups: memberships and bindings are decided by the association's ends.
	"association_change":                                {assoc: true},
	"group_create":                                      {class: ocsfClassGroupManagement, activity: ocsfActGroupCreate},
	"group_delete":                                      {class: ocsfClassGroupManagement, activity: ocsfActGroupDelete},
	"group_update":                                      {class: ocsfClassGroupManagement, activity: ocsfActOther},
	"user_group_admin_grant":                            {class: ocsfClassGroupManagement, activity: ocsfActGroupAssignPrivileges, privilege: "admin"},
	"user_group_admin_revoke":                           {class: ocsfClassGroupManagement, activity: ocsfActGroupRevokePrivileges, privilege: "admin"},
	"passwordmanager_folder_group_add":                  {class: ocsfClassGroupManagement, activity: ocsfActGroupAssignPrivileges, privilege: "shared folder access"},
	"passwordmanager_folder_group_remove":               {class: ocsfClassGroupManagement, activity: ocsfActGroupRevokePrivileges, privilege: "shared folder access"},
	"passwordmanager_folder_group_update":               {class: ocsfClassGroupManagement, activity: ocsfActOther},
	"passwordmanager_sharedfolders_policy_group_add":    {class: ocsfClassGroupManagement, activity: ocsfActGroupAssignPrivileges, privilege: "share folders"},
	"passwordmanager_sharedfolders_policy_group_remove": {class: ocsfClassGroupManagement, activity: ocsfActGroupRevokePrivileges, privilege: "share folders"},

	// Grants to a user.
	"user_admin_granted":                               {class: ocsfClassUserAccess, activity: ocsfActAccessAssign, privilege: "sudo"},
	"user_admin_revoked":                               {class: ocsfClassUserAccess, activity: ocsfActAccessRevoke, privilege: "sudo"},
	"access_management_access_request":                 {class: ocsfClassUserAccess, activity: ocsfActOther},
	"access_management_access_request_approval":        {class: ocsfClassUserAccess, activity: ocsfActOther},
	"access_management_association_change":             {class: ocsfClassUserAccess, activity: ocsfActAccessAssign},
	"passwordmanager_folder_member_update":             {class: ocsfClassUserAccess, activity: ocsfActOther, privilege: "shared folder access"},
	"passwordmanager_sharedfolders_policy_user_add":    {class: ocsfClassUserAccess, activity: ocsfActAccessAssign, privilege: "share folders"},
	"passwordmanager_sharedfolders_policy_user_remove": {class: ocsfClassUserAccess, activity: ocsfActAccessRevoke, privilege: "share folders"},

	// Entity activities that the verb of the event type does not tell (report_run: "Report is
	// previewed").
	"report_run": {class: ocsfClassEntityManagement, activity: ocsfActRead},
	"object_storage_get_download_url_request": {class: ocsfClassEntityManagement, activity: ocsfActRead},
	"ldap_search": {class: ocsfClassAPIActivity, activity: ocsfActRead},
}

// ocsfVerbs maps the verb ending an event type (asset_management_asset_create: create) to the
// Entity Management activity; API Activity keeps Create, Read, Update and Delete of them.
var ocsfVerbs = map[string]int64{
	"create": ocsfActCreate, "created": ocsfActCreate, "add": ocsfActCreate, "added": ocsfActCreate,
	"discover": ocsfActCreate, "import": ocsfActCreate, "include": ocsfActCreate,
	"get": ocsfActRead, "read": ocsfActRead, "download": ocsfActRead, "export": ocsfActRead, "reveal": ocsfActRead,
	"copy": ocsfActRead, "autofill": ocsfActRead, "search": ocsfActRead, "view": ocsfActRead, "decrypt": ocsfActRead,
	"update": ocsfActUpdate, "updated": ocsfActUpdate, "modify": ocsfActUpdate, "modified": ocsfActUpdate,
	"change": ocsfActUpdate, "changed": ocsfActUpdate, "patch": ocsfActUpdate, "edit": ocsfActUpdate,
	"upgrade": ocsfActUpdate, "rollback": ocsfActUpdate, "regenerate": ocsfActUpdate,
	"delete": ocsfActDelete, "deleted": ocsfActDelete, "remove": ocsfActDelete, "removed": ocsfActDelete,
	"exclude": ocsfActDelete, "move": ocsfActMove, "rename": ocsfActMove,
	"enroll": ocsfActEnroll, "enrollment": ocsfActEnroll, "unenroll": ocsfActUnenroll,
	"enable": ocsfActEnable, "enabled": ocsfActEnable, "re-enable": ocsfActEnable,
	"disable": ocsfActDisable, "disabled": ocsfActDisable,
	"activate": ocsfActActivate, "activated": ocsfActActivate, "reactivate": ocsfActActivate,
	"deactivate": ocsfActDeactivate, "deactivated": ocsfActDeactivate,
	"suspend": ocsfActSuspend, "suspended": ocsfActSuspend,
	"unsuspend": ocsfActResume, "unsuspended": ocsfActResume, "resume": ocsfActResume,
}

// ocsfNounPrefixes are the product prefixes of event types, left out of an entity's type
// (passwordmanager_item_reveal: item).
var ocsfNounPrefixes = []string{"passwordmanager_", "saas_management_", "asset_management_", "access_management_"}

// ocsfKnownService reports whether the service is one JumpCloud documents; the event types of
// other services are API Activity (a service added later is mapped, never refused).
func ocsfKnownService(s string) bool {
	switch s {
	case "access_management", "alerts", "asset_management", "directory", "ldap", "mdm", "notifications",
		"object_storage", "password_manager", "radius", "reports", "saas_app_management", "software",
		"sso", "systems", "workflows":
		return true
	}
	return false
}

// ocsfVerb splits the event type into its verb's activity and its noun: the last word after
// an underscore, or the word before a final "_request" (software_add_request: add); ok is
// false when the verb is not one of ocsfVerbs.
func ocsfVerb(eventType string) (activity int64, noun string, ok bool) {
	noun, verb := ocsfSplitLast(eventType)
	if verb == "request" && noun != "" {
		noun, verb = ocsfSplitLast(noun)
	}
	for _, p := range ocsfNounPrefixes {
		if len(noun) > len(p) && strings.HasPrefix(noun, p) {
			noun = noun[len(p):]
			break
		}
	}
	if noun == "" {
		noun = eventType
	}
	activity, ok = ocsfVerbs[verb]
	return activity, noun, ok
}

// ocsfSplitLast splits s at its last underscore: "a_b_c" -> "a_b", "c"; "abc" -> "", "abc".
func ocsfSplitLast(s string) (head, last string) {
	if i := strings.LastIndexByte(s, '_'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return "", s
}

// ocsfEntityKind is where the managed entity of an Entity Management event comes from.
type ocsfEntityKind int8

// The sources of a managed entity.
const (
	ocsfEntityNone          ocsfEntityKind = iota
	ocsfEntityResource                     // resource (most services)
	ocsfEntitySoftware                     // application (software)
	ocsfEntityChannel                      // channel_object_id, name (notifications)
	ocsfEntityObjectStorage                // object_storage_item_* (object_storage)
	ocsfEntityMDMDevice                    // mdm_device_id (mdm)
	ocsfEntitySystem                       // system (systems events about the device itself)
)

// ocsfObj is a JSON object of the event with its path from the root (for the problems noted
// and for the fields noted as represented). v is nil when the object is absent.
type ocsfObj struct {
	v    *fastjson.Value
	path []string
}

// The paths of the objects read (package variables: no slice built per event).
var (
	ocsfPathInitiatedBy = []string{"initiated_by"}
	ocsfPathResource    = []string{"resource"}
	ocsfPathApplication = []string{"application"}
	ocsfPathSystem      = []string{"system"}
	ocsfPathGeoip       = []string{"geoip"}
	ocsfPathMFAMeta     = []string{"mfa_meta"}
	ocsfPathWindowsMeta = []string{"windows_meta"}
	ocsfPathAuthMeta    = []string{"auth_meta"}
	ocsfPathOuter       = []string{"outer"}
	ocsfPathCorrelation = []string{"correlation"}
	ocsfPathWorkflow    = []string{"workflow"}
	ocsfPathAssociation = []string{"association"}
	ocsfPathAssocFrom   = []string{"association", "connection", "from"}
	ocsfPathAssocTo     = []string{"association", "connection", "to"}
	ocsfPathUserAgent   = []string{"useragent"}
	ocsfPathUserAgent2  = []string{"user_agent"} // password manager, reports, access management
)

// ocsfRef is a principal of the event: a JSON object (initiated_by, resource, an association's
// end) or a bare user name (the top-level username).
type ocsfRef struct {
	obj  ocsfObj
	name string
}

// ok reports whether the reference names something.
func (r ocsfRef) ok() bool { return r.obj.v != nil || r.name != "" }

// ocsfChoice is the class and activity of an event and the objects found for them.
type ocsfChoice struct {
	class     *ocsfClass
	activity  int64
	privilege string // of a grant (3005, 3006)
	user      ocsfRef
	group     ocsfObj
	other     ocsfObj // the association's other end: a subgroup, or the resource of a grant
	entity    ocsfEntityKind
}

// ocsfUse notes a field represented in the OCSF attributes: a top-level key (member "") or a
// member of a top-level object.
type ocsfUse struct{ key, member string }

// ocsfMaxUses bounds the fields noted for one event; beyond, a represented field is also
// copied under unmapped (harmless, and no event has that many).
const ocsfMaxUses = 40

// ocsfMapper maps one event. It lives for one call of mapOCSF.
type ocsfMapper struct {
	r    *reader
	ev   *jumpcloud.Event
	root ocsfObj
	uses [ocsfMaxUses]ocsfUse
	n    int
	// objs are the objects looked up by obj, by path (the writers read the same objects
	// again and again: each lookup walks the event's members).
	objs  [12]ocsfObj
	nobjs int
}

// mapOCSF builds the OCSF 1.8.0 event of the event into body.
func mapOCSF(r *reader, ev *jumpcloud.Event, body pcommon.Map) {
	m := ocsfMapper{r: r, ev: ev, root: ocsfObj{v: r.v}}
	c := m.classify()
	if !m.resolve(&c) {
		c = m.apiActivity()
	}
	m.write(&c, body)
}

// classify picks the class and activity: the rules of the event type, then the service's
// conventions, then the verb of the event type. Events of unknown services are API Activity.
func (m *ocsfMapper) classify() ocsfChoice {
	svc, et := m.ev.Service, m.ev.EventType
	if !ocsfKnownService(svc) {
		return m.apiActivity()
	}
	if rule, ok := ocsfRules[et]; ok {
		if rule.assoc {
			return m.byAssociation("")
		}
		return ocsfChoice{class: rule.class, activity: rule.activity, privilege: rule.privilege}
	}
	switch {
	case strings.HasSuffix(et, "_membership_add"), strings.HasSuffix(et, "_member_add"):
		return m.byAssociation("add")
	case strings.HasSuffix(et, "_membership_remove"), strings.HasSuffix(et, "_member_remove"):
		return m.byAssociation("remove")
	}
	switch svc {
	case "directory":
		switch {
		case strings.HasPrefix(et, "user_group_"), strings.HasPrefix(et, "system_group_"), strings.HasPrefix(et, "group_"):
			act := ocsfActOther
			switch v, _, _ := ocsfVerb(et); v {
			case ocsfActCreate:
				act = ocsfActGroupCreate
			case ocsfActDelete:
				act = ocsfActGroupDelete
			}
			return ocsfChoice{class: ocsfClassGroupManagement, activity: act}
		case strings.HasPrefix(et, "user_"), strings.HasPrefix(et, "admin_"), strings.HasPrefix(et, "systemuser_"):
			// Other changes of an account (schedules, expirations, emails): Account Change
			// has no activity for them.
			return ocsfChoice{class: ocsfClassAccountChange, activity: ocsfActOther}
		}
	case "systems":
		if strings.HasPrefix(et, "user_") {
			return ocsfChoice{class: ocsfClassAccountChange, activity: ocsfActOther}
		}
	case "ldap", "radius", "sso":
		// Protocol services: what is not a logon is a call to the service.
		return m.apiActivity()
	}
	act, _, ok := ocsfVerb(et)
	if !ok {
		act = ocsfActOther
	}
	return ocsfChoice{class: ocsfClassEntityManagement, activity: act}
}

// apiActivity is the fallback: API Activity with the verb's Create, Read, Update or Delete,
// else Other.
func (m *ocsfMapper) apiActivity() ocsfChoice {
	act, _, ok := ocsfVerb(m.ev.EventType)
	if !ok || act > ocsfActDelete {
		act = ocsfActOther
	}
	return ocsfChoice{class: ocsfClassAPIActivity, activity: act}
}

// byAssociation classifies a change of association (JumpCloud's bindings: a user or a system
// in a group, a user or a group bound to a system or an application) from its two ends and
// its op (add, remove; opHint when the event type says it): an end that is a group makes it
// Group Management (Add/Remove User, Add/Remove Subgroup, or Assign/Revoke Privileges to the
// other end), else an end that is a user makes it User Access Management (Assign/Revoke
// access to the other end), else it is the Update of the resource (Entity Management).
func (m *ocsfMapper) byAssociation(opHint string) ocsfChoice {
	assoc := m.obj(ocsfPathAssociation)
	op := opHint
	if op == "" {
		op, _ = m.str(assoc, "op")
	}
	from, to := m.obj(ocsfPathAssocFrom), m.obj(ocsfPathAssocTo)
	fromType, _ := m.str(from, "type")
	toType, _ := m.str(to, "type")
	added, removed := op == "add", op == "remove" || op == "delete"

	// The group: the resource when it is one (the event is about it), else a group end.
	c := ocsfChoice{class: ocsfClassGroupManagement, activity: ocsfActOther}
	res := m.obj(ocsfPathResource)
	resType, _ := m.str(res, "type")
	switch {
	case ocsfIsGroup(resType):
		// The other end is the one that is not the resource.
		c.group, c.other = res, from
		if from.v == nil || m.sameID(res, from) {
			c.other = to
		}
	case ocsfIsGroup(toType):
		c.group, c.other = to, from
	case ocsfIsGroup(fromType):
		c.group, c.other = from, to
	}
	if c.group.v != nil {
		otherType, _ := m.str(c.other, "type")
		switch {
		case c.other.v == nil:
		case ocsfIsUser(otherType):
			c.user = ocsfRef{obj: c.other}
			c.other = ocsfObj{}
			c.activity = ocsfPick(added, removed, ocsfActGroupAddUser, ocsfActGroupRemoveUser)
		case ocsfIsGroup(otherType):
			c.activity = ocsfPick(added, removed, ocsfActGroupAddSubgroup, ocsfActGroupRemoveSubgroup)
		default:
			c.activity = ocsfPick(added, removed, ocsfActGroupAssignPrivileges, ocsfActGroupRevokePrivileges)
			c.privilege = "access"
		}
		return c
	}

	// No group: a user bound to a resource gets (or loses) access to it.
	c = ocsfChoice{class: ocsfClassUserAccess, activity: ocsfPick(added, removed, ocsfActAccessAssign, ocsfActAccessRevoke), privilege: "access"}
	switch {
	case ocsfIsUser(fromType):
		c.user, c.other = ocsfRef{obj: from}, to
		return c
	case ocsfIsUser(toType):
		c.user, c.other = ocsfRef{obj: to}, from
		return c
	}
	// Two other entities (a policy bound to a system, ...): the resource was updated.
	return ocsfChoice{class: ocsfClassEntityManagement, activity: ocsfActUpdate}
}

// ocsfPick is add when added, remove when removed, else Other (an op JumpCloud did not send or
// that is neither).
func ocsfPick(added, removed bool, add, remove int64) int64 {
	switch {
	case added:
		return add
	case removed:
		return remove
	}
	return ocsfActOther
}

// ocsfIsGroup reports whether a JumpCloud object type is a group (user_group, system_group).
func ocsfIsGroup(t string) bool { return strings.Contains(t, "group") }

// ocsfIsUser reports whether a JumpCloud object type is a person's account.
func ocsfIsUser(t string) bool {
	return strings.EqualFold(t, "user") || strings.EqualFold(t, "systemuser") || strings.EqualFold(t, "admin")
}

// sameID reports whether two objects have the same id (id or object_id).
func (m *ocsfMapper) sameID(a, b ocsfObj) bool {
	x, ok1 := m.firstText(a, "id", "object_id")
	y, ok2 := m.firstText(b, "id", "object_id")
	return ok1 && ok2 && x == y
}

// resolve finds the objects that the chosen class requires; false sends the event to the
// fallback class.
func (m *ocsfMapper) resolve(c *ocsfChoice) bool {
	switch c.class {
	case ocsfClassAuthentication:
		// The subject: the resource when it is the account (directory logins), else the user
		// name tried (sso, radius, ldap, systems, saas), else the initiator.
		if c.user = m.userResource(); !c.user.ok() {
			if c.user = m.username(); !c.user.ok() {
				c.user = m.principal(m.obj(ocsfPathInitiatedBy))
			}
		}
		return c.user.ok()
	case ocsfClassAccountChange:
		if c.user = m.userResource(); !c.user.ok() {
			c.user = m.username()
		}
		return c.user.ok()
	case ocsfClassUserAccess:
		if !c.user.ok() {
			c.user = m.assocUser()
		}
		if !c.user.ok() {
			c.user = m.userResource()
		}
		if c.user.obj.v != nil && !m.principal(c.user.obj).ok() {
			c.user = ocsfRef{}
		}
		return c.user.ok()
	case ocsfClassGroupManagement:
		if c.group.v == nil {
			res := m.obj(ocsfPathResource)
			if t, _ := m.str(res, "type"); ocsfIsGroup(t) {
				c.group = res
			}
		}
		if c.user.obj.v != nil && !m.principal(c.user.obj).ok() {
			c.user = ocsfRef{}
		}
		return m.hasGroup(c.group)
	case ocsfClassEntityManagement:
		c.entity = m.entitySource()
		return c.entity != ocsfEntityNone
	}
	return true
}

// userResource is the resource when it is a person's account with an id, a user name or an
// email.
func (m *ocsfMapper) userResource() ocsfRef {
	res := m.obj(ocsfPathResource)
	if res.v == nil {
		return ocsfRef{}
	}
	t, hasType := m.str(res, "type")
	if hasType && !ocsfIsUser(t) {
		return ocsfRef{}
	}
	if !hasType {
		// Untyped: an account only if it carries a user name.
		if !m.hasAny(res, false, "username") {
			return ocsfRef{}
		}
	}
	return m.principal(res)
}

// assocUser is the association's end that is a user, if any.
func (m *ocsfMapper) assocUser() ocsfRef {
	for _, path := range [...][]string{ocsfPathAssocFrom, ocsfPathAssocTo} {
		end := m.obj(path)
		if t, _ := m.str(end, "type"); ocsfIsUser(t) {
			return m.principal(end)
		}
	}
	return ocsfRef{}
}

// username is the top-level username (the name a login tried, or the account acted on).
func (m *ocsfMapper) username() ocsfRef {
	s, _ := m.str(m.root, "username")
	return ocsfRef{name: s}
}

// principal is o when it names someone: an id, a user name or an email.
func (m *ocsfMapper) principal(o ocsfObj) ocsfRef {
	if o.v == nil {
		return ocsfRef{}
	}
	if m.hasAny(o, true, "id", "object_id") || m.hasAny(o, false, "username", "email") {
		return ocsfRef{obj: o}
	}
	return ocsfRef{}
}

// hasGroup reports whether o can be a group (an id or a name).
func (m *ocsfMapper) hasGroup(o ocsfObj) bool {
	return m.hasAny(o, true, "id", "object_id") || m.hasAny(o, false, "name")
}

// entitySource finds the managed entity: the service's own fields, else the resource, else
// the system.
func (m *ocsfMapper) entitySource() ocsfEntityKind {
	switch m.ev.Service {
	case "software":
		if m.hasAny(m.obj(ocsfPathApplication), false, "name") {
			return ocsfEntitySoftware
		}
	case "notifications":
		if m.hasAny(m.root, false, "channel_object_id", "name") {
			return ocsfEntityChannel
		}
	case "object_storage":
		if m.hasAny(m.root, false, "object_storage_item_object_id", "object_storage_item_version_name") {
			return ocsfEntityObjectStorage
		}
	case "mdm":
		if m.hasAny(m.root, false, "mdm_device_id") {
			return ocsfEntityMDMDevice
		}
	}
	if m.hasResource(m.obj(ocsfPathResource)) {
		return ocsfEntityResource
	}
	if m.hasSystem() {
		return ocsfEntitySystem
	}
	return ocsfEntityNone
}

// ocsfNameMembers are the members that name a JumpCloud object, in order of preference.
var ocsfNameMembers = []string{"name", "displayName", "display_label", "hostname", "username", "application_name", "email"}

// write puts the whole OCSF event into body.
func (m *ocsfMapper) write(c *ocsfChoice, body pcommon.Map) {
	// Room for the body's keys: an Authentication event has up to 29 of them (the user, the
	// service or destination, protocol, MFA, logon type), the other classes up to 24. A map
	// that outgrows its room is copied into one of twice its size: 1.9 KB more for half of
	// the simulator's events when Authentication had 24.
	if c.class == ocsfClassAuthentication {
		body.EnsureCapacity(30)
	} else {
		body.EnsureCapacity(24)
	}
	// A device (host profile) carries the system an event is about, but in Authentication,
	// where the system is the destination, and when the system is the managed entity.
	device := c.class != ocsfClassAuthentication && c.entity != ocsfEntitySystem && m.hasHost()

	m.putClassification(c, body)
	m.putOutcome(c, body)
	m.putTime(body)
	m.putFirstStr(body, "message", m.root, "message", "detail")
	if m.r.original {
		body.PutStr("raw_data", validString(m.ev.Raw)) // the event as JumpCloud sent it
	}
	m.putMetadata(body, device)
	m.putActor(body, c.class == ocsfClassAPIActivity)

	switch c.class {
	case ocsfClassAuthentication:
		m.putAuthentication(c, body)
	case ocsfClassAccountChange:
		m.putUserRef(body.PutEmptyMap("user"), c.user)
	case ocsfClassUserAccess:
		m.putUserAccess(c, body)
	case ocsfClassGroupManagement:
		m.putGroupManagement(c, body)
	case ocsfClassEntityManagement:
		m.putEntity(c, body.PutEmptyMap("entity"))
	case ocsfClassAPIActivity:
		m.putAPI(body)
	}

	m.putSource(body, c.class == ocsfClassAPIActivity)
	if device {
		d := body.PutEmptyMap("device")
		// Room for type_id, putHost's 4 and location.
		d.EnsureCapacity(6)
		d.PutInt("type_id", ocsfTypeUnknown) // required; JumpCloud does not say
		m.putHost(d)
		if m.ev.Service == "systems" {
			// The agent of a device sends its events: client_ip and geoip are the device's.
			m.putLocation(d)
		}
	}
	m.putHTTPRequest(body)
	m.putUnmapped(body)
}

// putClassification writes the class, category, activity and type, with their captions.
func (m *ocsfMapper) putClassification(c *ocsfChoice, body pcommon.Map) {
	actName, typeName := c.class.activity(c.activity, m.ev.EventType)
	body.PutInt("activity_id", c.activity)
	body.PutStr("activity_name", actName)
	body.PutInt("category_uid", c.class.category)
	body.PutStr("category_name", c.class.categoryName)
	body.PutInt("class_uid", c.class.uid)
	body.PutStr("class_name", c.class.name)
	body.PutInt("type_uid", c.class.uid*100+c.activity)
	body.PutStr("type_name", typeName)
}

// putOutcome writes the severity and the status: status_id from the event's outcome (success,
// or sso_token_success for SSO), status_detail from JumpCloud's reason (error_message, the
// RADIUS outer error_message) or result, status_code from an LDAP error_code or an MDM
// command status.
func (m *ocsfMapper) putOutcome(c *ocsfChoice, body pcommon.Map) {
	outcome := m.ev.Outcome()
	sev := ocsfSeverity(c.class, outcome)
	body.PutInt("severity_id", sev)
	if sev == ocsfSeverityLow {
		body.PutStr("severity", "Low")
	} else {
		body.PutStr("severity", "Informational")
	}
	switch outcome {
	case jumpcloud.OutcomeSuccess:
		body.PutInt("status_id", ocsfStatusSuccess)
		body.PutStr("status", "Success")
	case jumpcloud.OutcomeFailure:
		body.PutInt("status_id", ocsfStatusFailure)
		body.PutStr("status", "Failure")
	default:
		body.PutInt("status_id", ocsfStatusUnknown)
		body.PutStr("status", "Unknown")
	}
	// The outcome's fields are represented when they are booleans (the reader notes others).
	if _, ok := m.flag(m.root, "success"); ok {
		m.use(m.root, "success")
	} else if _, ok := m.flag(m.root, "sso_token_success"); ok {
		m.use(m.root, "sso_token_success")
	}
	if !m.putStr(body, "status_detail", m.root, "error_message") {
		if s, ok := m.str(m.obj(ocsfPathOuter), "error_message"); ok {
			body.PutStr("status_detail", s) // outer stays in unmapped whole
		} else {
			m.putStr(body, "status_detail", m.root, "result")
		}
	}
	switch m.ev.Service {
	case "ldap":
		m.putText(body, "status_code", m.root, "error_code")
	case "mdm":
		m.putStr(body, "status_code", m.root, "status")
	}
}

// ocsfSeverity is Low for a failed logon (a security signal, but one failure alone is not an
// incident: detecting series is the SIEM's job) and Informational for everything else,
// failures included (a refused change is an operational fact).
func ocsfSeverity(class *ocsfClass, outcome jumpcloud.Outcome) int64 {
	if class == ocsfClassAuthentication && outcome == jumpcloud.OutcomeFailure {
		return ocsfSeverityLow
	}
	return ocsfSeverityInformational
}

// putTime writes time (epoch milliseconds) and timezone_offset. OCSF requires time: an event
// without a parseable timestamp gets 0 (the Unix epoch), since a pure mapping has no other
// time to give (the record's observed time is set apart from the body); the text JumpCloud
// sent, if any, is metadata.original_time. timezone_offset is the offset of the device's
// local time for systems events (system_timestamp), else that of the timestamp (UTC: 0).
func (m *ocsfMapper) putTime(body pcommon.Map) {
	ts := m.ev.Timestamp
	if ts.IsZero() {
		body.PutInt("time", 0)
		return
	}
	body.PutInt("time", ts.UnixMilli())
	_, offset := ts.Zone()
	if s, ok := m.str(m.root, "system_timestamp"); ok {
		if local, err := time.Parse(time.RFC3339Nano, s); err == nil {
			_, offset = local.Zone()
		}
	}
	if minutes := offset / 60; minutes >= -1080 && minutes <= 1080 {
		body.PutInt("timezone_offset", int64(minutes))
	}
}

// putMetadata writes metadata: the product, the schema version, the event's id, organization
// (tenant), event type (event_code), service (log_name), @version (log_version), timestamp
// text (original_time) and correlation id; profiles lists host when a device is written.
func (m *ocsfMapper) putMetadata(body pcommon.Map, device bool) {
	md := body.PutEmptyMap("metadata")
	md.EnsureCapacity(12)
	md.PutStr("version", ocsfVersion)
	product := md.PutEmptyMap("product")
	product.EnsureCapacity(2) // room for its keys: a map grows 1, 2, 4... one allocation each
	product.PutStr("vendor_name", ocsfVendor)
	product.PutStr("name", ocsfProduct)
	if device {
		md.PutEmptySlice("profiles").AppendEmpty().SetStr("host")
	}
	ev := m.ev
	if ev.ID != "" {
		md.PutStr("uid", ev.ID)
		m.use(m.root, "id")
	} else {
		m.putText(md, "uid", m.root, "id") // a numeric id
	}
	m.putKnown(md, "tenant_uid", "organization", ev.Organization)
	m.putKnown(md, "event_code", "event_type", ev.EventType)
	m.putKnown(md, "log_name", "service", ev.Service)
	m.putText(md, "log_version", m.root, "@version")
	m.putStr(md, "original_time", m.root, "timestamp")
	m.putText(md, "correlation_uid", m.obj(ocsfPathCorrelation), "id")
}

// putKnown puts a field that the decoder extracted (s, the interned string), noting a value
// of another type as a problem.
func (m *ocsfMapper) putKnown(dst pcommon.Map, key, field, s string) {
	if s != "" {
		dst.PutStr(key, s)
		m.use(m.root, field)
		return
	}
	m.str(m.root, field) // notes a field of another type
}

// putActor writes actor.user from initiated_by. API Activity requires an actor: without an
// initiator the activity is JumpCloud's own (actor.app_name).
func (m *ocsfMapper) putActor(body pcommon.Map, required bool) {
	if p := m.principal(m.obj(ocsfPathInitiatedBy)); p.ok() {
		m.putUser(body.PutEmptyMap("actor").PutEmptyMap("user"), p.obj)
		return
	}
	if required {
		body.PutEmptyMap("actor").PutStr("app_name", ocsfPlatform)
	}
}

// putUserRef writes a user from a principal object or a bare user name.
func (m *ocsfMapper) putUserRef(u pcommon.Map, ref ocsfRef) {
	if ref.obj.v != nil {
		m.putUser(u, ref.obj)
		return
	}
	u.PutStr("name", ref.name)
	m.use(m.root, "username")
}

// putUser writes the user object of a JumpCloud principal: uid (id, or object_id for an
// association's end), name (username; an admin known by email alone is named by it, since
// OCSF needs a name or a uid and the email is what an admin logs in with), display_name
// (name), email_addr, type_id and type.
func (m *ocsfMapper) putUser(u pcommon.Map, o ocsfObj) {
	u.EnsureCapacity(6)
	hasUID := m.putFirstText(u, "uid", o, "id", "object_id")
	if !m.putStr(u, "name", o, "username") && !hasUID {
		if s, ok := m.str(o, "email"); ok {
			u.PutStr("name", s)
		}
	}
	m.putStr(u, "display_name", o, "name")
	m.putStr(u, "email_addr", o, "email")
	if t, ok := m.str(o, "type"); ok {
		id, caption := ocsfUserType(t)
		u.PutInt("type_id", id)
		u.PutStr("type", caption)
		if caption == t || strings.EqualFold(caption, t) {
			m.use(o, "type") // else JumpCloud's finer type (systemuser) stays in unmapped
		}
	}
}

// ocsfUserType maps JumpCloud's principal types to user.type_id and its caption: user and
// systemuser are User, admin Admin, system System; others (api_key, ...) are Other with
// JumpCloud's type.
func ocsfUserType(t string) (int64, string) {
	switch {
	case strings.EqualFold(t, "user"), strings.EqualFold(t, "systemuser"):
		return ocsfUserTypeUser, "User"
	case strings.EqualFold(t, "admin"), strings.EqualFold(t, "administrator"):
		return ocsfUserTypeAdmin, "Admin"
	case strings.EqualFold(t, "system"):
		return ocsfUserTypeSystem, "System"
	}
	return ocsfTypeOther, t
}

// putAuthentication writes the attributes of Authentication: the user, the service or
// destination authenticated to, the protocol, MFA, the logon type and what the service
// tells of the session.
func (m *ocsfMapper) putAuthentication(c *ocsfChoice, body pcommon.Map) {
	svc := m.ev.Service
	u := body.PutEmptyMap("user")
	m.putUserRef(u, c.user)
	if svc == "ldap" && c.user.obj.v == nil {
		if dn, ok := m.str(m.root, "dn"); ok {
			u.PutEmptyMap("ldap_person").PutStr("ldap_dn", dn) // the DN bound with
			m.use(m.root, "dn")
		}
	}

	// What the user authenticated to (the class needs a service or a destination).
	hasDst := false
	switch {
	case svc == "systems" && m.hasHost():
		dst := body.PutEmptyMap("dst_endpoint")
		dst.EnsureCapacity(5) // putHost's 4, location
		m.putHost(dst)
		m.putLocation(dst) // the device's address, located by JumpCloud
		hasDst = true
	case svc == "radius":
		// The NAS (access point, VPN) that relayed the request.
		nas := m.obj(ocsfPathAuthMeta)
		ip, hasIP := m.ip(nas, "nas_ip")
		name, hasName := m.str(nas, "nas_identifier")
		if hasIP || hasName {
			dst := body.PutEmptyMap("dst_endpoint")
			dst.EnsureCapacity(2)
			if hasIP {
				dst.PutStr("ip", ip)
				m.use(nas, "nas_ip")
			}
			if hasName {
				dst.PutStr("name", name)
				m.use(nas, "nas_identifier")
			}
			hasDst = true
		}
	}
	m.putAuthService(body, hasDst)

	protocol, caption := ocsfAuthProtocolUnknown, "Unknown"
	switch svc {
	case "sso":
		app := m.obj(ocsfPathApplication)
		if t, ok := m.str(app, "sso_type"); ok {
			protocol, caption = ocsfSSOProtocol(t)
			m.use(app, "sso_type")
		}
	case "radius":
		protocol, caption = ocsfAuthProtocolRADIUS, "RADIUS"
	case "ldap":
		protocol, caption = ocsfAuthProtocolLDAP, "LDAP"
	}
	body.PutInt("auth_protocol_id", protocol)
	body.PutStr("auth_protocol", caption)

	if mfa, ok := m.flag(m.root, "mfa"); ok {
		body.PutBool("is_mfa", mfa)
		m.use(m.root, "mfa")
	}
	m.putAuthFactor(body)
	m.putLogonType(body, svc)

	if svc == "ldap" {
		if m.hasAny(m.root, false, "connection_id") {
			m.putStr(body.PutEmptyMap("session"), "uid", m.root, "connection_id") // the LDAP connection
		}
		// A simple bind sends the password itself: in clear text unless TLS protects it.
		mech, _ := m.firstStr(m.root, "mech", "auth_method")
		if tls, ok := m.flag(m.root, "tls_established"); ok && strings.EqualFold(mech, "simple") {
			body.PutBool("is_cleartext", !tls)
		}
	}
}

// putAuthService writes service: the SSO application, the SaaS application, or the JumpCloud
// service authenticated to (none for a device login with a destination).
func (m *ocsfMapper) putAuthService(body pcommon.Map, hasDst bool) {
	svc := m.ev.Service
	var app ocsfObj
	switch svc {
	case "sso":
		app = m.obj(ocsfPathApplication)
	case "saas_app_management":
		app = m.obj(ocsfPathResource)
	}
	if m.hasAny(app, true, "id", "application_id") || m.hasAny(app, false, "display_label", "name", "application_name") {
		s := body.PutEmptyMap("service")
		s.EnsureCapacity(2)
		m.putFirstText(s, "uid", app, "id", "application_id")
		m.putFirstStr(s, "name", app, "display_label", "name", "application_name")
		return
	}
	if hasDst && svc != "radius" {
		return
	}
	body.PutEmptyMap("service").PutStr("name", ocsfAuthServiceName(svc, m.ev.EventType))
}

// ocsfAuthServiceName is the JumpCloud service a logon is made to.
func ocsfAuthServiceName(svc, eventType string) string {
	switch svc {
	case "directory":
		if eventType == "admin_login_attempt" {
			return "JumpCloud Admin Portal"
		}
		return "JumpCloud User Portal"
	case "ldap":
		return "JumpCloud LDAP"
	case "radius":
		return "JumpCloud RADIUS"
	case "sso":
		return "JumpCloud SSO"
	case "password_manager":
		return "JumpCloud Password Manager"
	case "saas_app_management":
		return "JumpCloud SaaS Management"
	}
	return ocsfPlatform
}

// ocsfSSOProtocol maps an SSO application's sso_type to auth_protocol_id and its caption.
func ocsfSSOProtocol(t string) (int64, string) {
	switch {
	case strings.EqualFold(t, "saml"), strings.EqualFold(t, "saml2"):
		return ocsfAuthProtocolSAML, "SAML"
	case strings.EqualFold(t, "oidc"), strings.EqualFold(t, "openid"):
		return ocsfAuthProtocolOpenID, "OpenID"
	case strings.EqualFold(t, "oauth"), strings.EqualFold(t, "oauth2"):
		return ocsfAuthProtocolOAuth2, "OAUTH 2.0"
	}
	return ocsfAuthProtocolOther, t
}

// putAuthFactor writes auth_factors from mfa_meta.type (the second factor used).
func (m *ocsfMapper) putAuthFactor(body pcommon.Map) {
	meta := m.obj(ocsfPathMFAMeta)
	t, ok := m.str(meta, "type")
	if !ok {
		return
	}
	f := body.PutEmptySlice("auth_factors").AppendEmpty().SetEmptyMap()
	id, caption := ocsfFactorType(t)
	f.PutInt("factor_type_id", id)
	f.PutStr("factor_type", caption)
	if id == ocsfFactorOTP {
		f.PutBool("is_totp", true)
	}
	m.use(meta, "type")
}

// factor_type_id values used.
const (
	ocsfFactorSMS      int64 = 1
	ocsfFactorPush     int64 = 5
	ocsfFactorHardware int64 = 6
	ocsfFactorOTP      int64 = 7
	ocsfFactorEmail    int64 = 8
	ocsfFactorU2F      int64 = 9
	ocsfFactorWebAuthn int64 = 10
	ocsfFactorPassword int64 = 11
)

// ocsfFactorType maps JumpCloud's MFA types to factor_type_id and its caption: totp is OTP,
// push and JumpCloud Protect Push Notification, webauthn WebAuthn, ...; others (duo) are
// Other with JumpCloud's name.
func ocsfFactorType(t string) (int64, string) {
	switch strings.ToLower(t) {
	case "totp", "otp":
		return ocsfFactorOTP, "OTP"
	case "push", "jumpcloud_protect", "jumpcloud protect":
		return ocsfFactorPush, "Push Notification"
	case "webauthn", "fido2":
		return ocsfFactorWebAuthn, "WebAuthn"
	case "u2f":
		return ocsfFactorU2F, "U2F"
	case "sms":
		return ocsfFactorSMS, "SMS"
	case "email":
		return ocsfFactorEmail, "Email"
	case "yubikey", "hardware_token":
		return ocsfFactorHardware, "Hardware Token"
	case "password":
		return ocsfFactorPassword, "Password"
	}
	return ocsfTypeOther, t
}

// putLogonType writes logon_type_id and is_remote: a Windows logon's own type (windows_meta;
// OCSF's enum is Windows' numbering), Unlock for the password manager's unlock, Network for
// the logons to JumpCloud's cloud services (portals, SSO, RADIUS, LDAP, SaaS), none for a
// device login of unknown type.
func (m *ocsfMapper) putLogonType(body pcommon.Map, svc string) {
	switch svc {
	case "password_manager":
		body.PutInt("logon_type_id", ocsfLogonTypeUnlock)
		body.PutStr("logon_type", "Unlock")
		body.PutBool("is_remote", false)
	case "systems":
		wm := m.obj(ocsfPathWindowsMeta)
		t, ok := m.text(wm, "logon_type")
		if !ok {
			return
		}
		id, caption, remote, known := ocsfLogonType(t)
		body.PutInt("logon_type_id", id)
		body.PutStr("logon_type", caption)
		if known {
			body.PutBool("is_remote", remote)
		}
		m.use(wm, "logon_type")
	default:
		body.PutInt("logon_type_id", ocsfLogonTypeNetwork)
		body.PutStr("logon_type", "Network")
		body.PutBool("is_remote", true)
	}
}

// ocsfLogonTypes are OCSF's logon types by Windows logon type (0 System is OCSF's 1; the
// others have the same number).
var ocsfLogonTypes = [...]struct {
	id      int64
	caption string
	remote  bool
}{
	0: {1, "System", false}, 2: {2, "Interactive", false}, 3: {3, "Network", true}, 4: {4, "Batch", false},
	5: {5, "OS Service", false}, 7: {7, "Unlock", false}, 8: {8, "Network Cleartext", true},
	9: {9, "New Credentials", false}, 10: {10, "Remote Interactive", true}, 11: {11, "Cached Interactive", false},
	12: {12, "Cached Remote Interactive", true}, 13: {13, "Cached Unlock", false},
}

// ocsfLogonType maps a Windows logon type (text) to logon_type_id, its caption and whether it
// is remote; an unknown type is Other with JumpCloud's text (known false).
func ocsfLogonType(t string) (id int64, caption string, remote, known bool) {
	n, err := strconv.Atoi(t)
	if err == nil && n >= 0 && n < len(ocsfLogonTypes) && ocsfLogonTypes[n].caption != "" {
		lt := ocsfLogonTypes[n]
		return lt.id, lt.caption, lt.remote, true
	}
	return ocsfTypeOther, t, false, false
}

// putUserAccess writes the attributes of User Access Management: the user, the privileges and
// the resources they give access to (the association's other end, or the access workflow).
func (m *ocsfMapper) putUserAccess(c *ocsfChoice, body pcommon.Map) {
	m.putUserRef(body.PutEmptyMap("user"), c.user)
	privileges := body.PutEmptySlice("privileges")
	wf := m.obj(ocsfPathWorkflow)
	switch name, ok := m.str(wf, "name"); {
	case c.privilege != "":
		privileges.AppendEmpty().SetStr(c.privilege)
	case ok:
		privileges.AppendEmpty().SetStr(name) // e.g. "Temporary admin access"
	default:
		privileges.AppendEmpty().SetStr("access")
	}
	res := c.other
	if res.v == nil && wf.v != nil {
		res = wf
	}
	if m.hasResource(res) {
		m.putResource(body.PutEmptySlice("resources").AppendEmpty().SetEmptyMap(), res)
	}
}

// putGroupManagement writes the attributes of Group Management: the group, and the member
// (user or subgroup) or the resource its privileges give access to.
func (m *ocsfMapper) putGroupManagement(c *ocsfChoice, body pcommon.Map) {
	m.putGroup(body.PutEmptyMap("group"), c.group)
	if c.user.ok() {
		m.putUserRef(body.PutEmptyMap("user"), c.user)
	}
	switch c.activity {
	case ocsfActGroupAddSubgroup, ocsfActGroupRemoveSubgroup:
		if m.hasGroup(c.other) {
			m.putGroup(body.PutEmptyMap("subgroup"), c.other)
		}
	default:
		if m.hasResource(c.other) {
			m.putResource(body.PutEmptyMap("resource"), c.other)
		}
	}
	if c.privilege != "" {
		body.PutEmptySlice("privileges").AppendEmpty().SetStr(c.privilege)
	}
}

// putGroup writes a group: uid, name, type (JumpCloud's: user_group, system_group), desc.
func (m *ocsfMapper) putGroup(g pcommon.Map, o ocsfObj) {
	g.EnsureCapacity(4)
	m.putFirstText(g, "uid", o, "id", "object_id")
	m.putStr(g, "name", o, "name")
	m.putStr(g, "type", o, "type")
	m.putFirstStr(g, "desc", o, "description", "desc")
}

// hasResource reports whether o can be a resource (an id or a name).
func (m *ocsfMapper) hasResource(o ocsfObj) bool {
	return m.hasAny(o, true, "id", "object_id", "application_id") || m.hasAny(o, false, ocsfNameMembers...)
}

// putResource writes a resource_details: uid, name and JumpCloud's type.
func (m *ocsfMapper) putResource(d pcommon.Map, o ocsfObj) {
	d.EnsureCapacity(3)
	m.putFirstText(d, "uid", o, "id", "object_id", "application_id")
	m.putFirstStr(d, "name", o, ocsfNameMembers...)
	m.putStr(d, "type", o, "type")
}

// putEntity writes the managed entity of Entity Management from its source: uid, name,
// type_id and type (JumpCloud's type, else the noun of the event type), version.
func (m *ocsfMapper) putEntity(c *ocsfChoice, e pcommon.Map) {
	e.EnsureCapacity(5)
	_, noun, _ := ocsfVerb(m.ev.EventType)
	switch c.entity {
	case ocsfEntitySoftware:
		app := m.obj(ocsfPathApplication)
		m.putText(e, "uid", app, "id")
		m.putStr(e, "name", app, "name")
		m.putStr(e, "version", app, "version")
		ocsfPutEntityType(e, "software")
	case ocsfEntityChannel:
		m.putStr(e, "uid", m.root, "channel_object_id")
		m.putStr(e, "name", m.root, "name")
		ocsfPutEntityType(e, "notification_channel")
	case ocsfEntityObjectStorage:
		m.putStr(e, "uid", m.root, "object_storage_item_object_id")
		m.putStr(e, "name", m.root, "object_storage_item_version_name")
		ocsfPutEntityType(e, "object_storage_item")
	case ocsfEntityMDMDevice:
		m.putStr(e, "uid", m.root, "mdm_device_id")
		ocsfPutEntityType(e, "device")
	case ocsfEntitySystem:
		sys := m.obj(ocsfPathSystem)
		m.putText(e, "uid", sys, "id")
		m.putFirstStr(e, "name", sys, "displayName", "hostname")
		ocsfPutEntityType(e, "system")
		m.use(sys, "type")
	default:
		res := m.obj(ocsfPathResource)
		m.putFirstText(e, "uid", res, "id", "object_id", "application_id")
		m.putFirstStr(e, "name", res, ocsfNameMembers...)
		m.putStr(e, "version", res, "version")
		if t, ok := m.str(res, "type"); ok {
			if ocsfPutEntityType(e, t) {
				m.use(res, "type")
			}
		} else if noun != "" {
			ocsfPutEntityType(e, noun)
		}
	}
}

// ocsfPutEntityType writes managed_entity's type_id and type for JumpCloud's type t: users are
// User, systems and devices Device, groups Group, organizations Organization, policies
// Policy, anything else Other with t. It reports whether type is t itself (else t, finer
// than the caption, stays in unmapped).
func ocsfPutEntityType(e pcommon.Map, t string) bool {
	id, caption := ocsfTypeOther, t
	switch {
	case ocsfIsUser(t):
		id, caption = ocsfEntityTypeUser, "User"
	case strings.EqualFold(t, "system"), strings.EqualFold(t, "device"):
		id, caption = ocsfEntityTypeDevice, "Device"
	case ocsfIsGroup(t):
		id, caption = ocsfEntityTypeGroup, "Group"
	case strings.EqualFold(t, "organization"):
		id, caption = ocsfEntityTypeOrganization, "Organization"
	case strings.EqualFold(t, "policy"):
		id, caption = ocsfEntityTypePolicy, "Policy"
	}
	e.PutInt("type_id", id)
	e.PutStr("type", caption)
	return strings.EqualFold(caption, t)
}

// putAPI writes the attributes of API Activity: api (operation: the event type; service: the
// JumpCloud service) and the resource acted on.
func (m *ocsfMapper) putAPI(body pcommon.Map) {
	api := body.PutEmptyMap("api")
	api.EnsureCapacity(2)
	if m.ev.EventType != "" {
		api.PutStr("operation", m.ev.EventType)
	} else {
		api.PutStr("operation", "unknown") // required
	}
	if m.ev.Service != "" {
		api.PutEmptyMap("service").PutStr("name", m.ev.Service)
	}
	res := m.obj(ocsfPathResource)
	if m.hasResource(res) {
		m.putResource(body.PutEmptySlice("resources").AppendEmpty().SetEmptyMap(), res)
	}
}

// putSource writes src_endpoint: the address the request came from (client_ip, else src_ip)
// located by JumpCloud (geoip). A device's agent sends the systems events: there client_ip
// and geoip are the device's and src_endpoint is the login's origin (src_ip). API Activity
// requires a source: without an address the activity is JumpCloud's own (svc_name).
func (m *ocsfMapper) putSource(body pcommon.Map, required bool) {
	systems := m.ev.Service == "systems"
	member := "src_ip"
	ip, ok := m.ip(m.root, member)
	if !systems {
		if s, hasClient := m.ip(m.root, "client_ip"); hasClient {
			ip, ok, member = s, true, "client_ip"
		}
	}
	switch {
	case ok:
		src := body.PutEmptyMap("src_endpoint")
		src.EnsureCapacity(2) // ip, location
		src.PutStr("ip", ip)
		m.use(m.root, member)
		if !systems {
			m.putLocation(src)
		}
	case required:
		body.PutEmptyMap("src_endpoint").PutStr("svc_name", ocsfPlatform)
	}
}

// hasSystem reports whether the event has a system with an id or a name.
func (m *ocsfMapper) hasSystem() bool {
	sys := m.obj(ocsfPathSystem)
	return m.hasAny(sys, true, "id") || m.hasAny(sys, false, "hostname", "displayName")
}

// hasHost reports whether the event describes a device: a system, or the address of the
// agent that sent a systems event.
func (m *ocsfMapper) hasHost() bool {
	if m.hasSystem() {
		return true
	}
	if m.ev.Service == "systems" {
		_, ok := m.ip(m.root, "client_ip")
		return ok
	}
	return false
}

// putHost writes the endpoint fields of the device: uid, hostname, name (displayName) and, for
// systems events, ip (client_ip: the agent's address).
func (m *ocsfMapper) putHost(d pcommon.Map) {
	sys := m.obj(ocsfPathSystem)
	m.putText(d, "uid", sys, "id")
	m.putStr(d, "hostname", sys, "hostname")
	m.putStr(d, "name", sys, "displayName")
	if t, ok := m.str(sys, "type"); ok && t == "system" {
		m.use(sys, "type") // says nothing more
	}
	if m.ev.Service == "systems" {
		if ip, ok := m.ip(m.root, "client_ip"); ok {
			d.PutStr("ip", ip)
			m.use(m.root, "client_ip")
		}
	}
}

// putLocation writes the location of an endpoint from JumpCloud's geoip (its lookup of
// client_ip): country (ISO 3166-1), region (ISO 3166-2: the country, a hyphen and the
// subdivision, as OCSF describes it), continent (its name), lat and long. OCSF requires a
// country or a region: without them the whole geoip stays in unmapped. region_name and
// timezone have no place in location and stay in unmapped.
func (m *ocsfMapper) putLocation(endpoint pcommon.Map) {
	geo := m.obj(ocsfPathGeoip)
	if geo.v == nil {
		return
	}
	country, hasCountry := m.str(geo, "country_code")
	region, hasRegion := m.str(geo, "region_code")
	country, region = strings.ToUpper(country), strings.ToUpper(region) // ISO codes are upper case
	if !hasCountry && !hasRegion {
		return
	}
	loc := endpoint.PutEmptyMap("location")
	loc.EnsureCapacity(5)
	if hasCountry {
		loc.PutStr("country", country)
		m.use(geo, "country_code")
	}
	if code, ok := m.strBytes(geo, "continent_code"); ok {
		if name := ocsfContinent(string(code)); name != "" {
			loc.PutStr("continent", name)
			m.use(geo, "continent_code")
		}
	}
	if hasRegion {
		if hasCountry && !strings.Contains(region, "-") {
			region = m.r.a.concat(country, "-", region)
		}
		loc.PutStr("region", region)
		m.use(geo, "region_code")
	}
	if lat, ok := m.num(geo, "latitude"); ok {
		loc.PutDouble("lat", lat)
		m.use(geo, "latitude")
	}
	if long, ok := m.num(geo, "longitude"); ok {
		loc.PutDouble("long", long)
		m.use(geo, "longitude")
	}
}

// ocsfContinent is the name of a continent code (location.continent is a name), "" for
// another code.
func ocsfContinent(code string) string {
	switch code {
	case "AF":
		return "Africa"
	case "AN":
		return "Antarctica"
	case "AS":
		return "Asia"
	case "EU":
		return "Europe"
	case "NA":
		return "North America"
	case "OC":
		return "Oceania"
	case "SA":
		return "South America"
	}
	return ""
}

// putHTTPRequest writes http_request.user_agent: the header text when JumpCloud sent it, else
// a summary of JumpCloud's parsed user agent ("Chrome 124.0.6367 (Mac OS X 10.15)"), whose
// parts stay in unmapped (the summary is not the header).
func (m *ocsfMapper) putHTTPRequest(body pcommon.Map) {
	path := ocsfPathUserAgent
	ua := m.r.get(path...)
	if ua == nil {
		path = ocsfPathUserAgent2
		ua = m.r.get(path...)
	}
	if ua == nil {
		return
	}
	var text string
	switch ua.Type() {
	case fastjson.TypeString:
		s, ok := str(&m.r.a, ua)
		if !ok {
			return
		}
		text = s
		m.use(m.root, path[0])
	case fastjson.TypeObject:
		text = m.userAgentSummary(ocsfObj{v: ua, path: path})
	default:
		m.problem(ua, "an object or a string", m.root, path[0])
	}
	if text != "" {
		body.PutEmptyMap("http_request").PutStr("user_agent", text)
	}
}

// userAgentSummary is "<name> <version> (<os> <os version>)" of a parsed user agent, the parts
// that JumpCloud sent (versions joined up to the first empty part), "" when it names neither
// the browser nor the OS.
func (m *ocsfMapper) userAgentSummary(ua ocsfObj) string {
	var buf [128]byte
	b := buf[:0]
	name, hasName := m.strBytes(ua, "name")
	osName, hasOS := m.strBytes(ua, "os_name")
	if !hasOS {
		osName, hasOS = m.strBytes(ua, "os")
	}
	if !hasName && !hasOS {
		return ""
	}
	if hasName {
		b = append(b, name...)
		b = m.appendVersion(b, ua, "version", "major", "minor", "patch")
	}
	if hasOS {
		if hasName {
			b = append(b, " ("...)
		}
		b = append(b, osName...)
		b = m.appendVersion(b, ua, "os_version", "os_major", "os_minor", "os_patch")
		if hasName {
			b = append(b, ')')
		}
	}
	return m.r.a.string(b)
}

// appendVersion appends " " and the version: the member full when sent, else the parts
// joined by dots up to the first one absent or empty.
func (m *ocsfMapper) appendVersion(b []byte, ua ocsfObj, full string, parts ...string) []byte {
	if s, ok := m.strBytes(ua, full); ok {
		return append(append(b, ' '), s...)
	}
	for i, p := range parts {
		s, ok := m.strBytes(ua, p)
		if !ok {
			break
		}
		if i == 0 {
			b = append(b, ' ')
		} else {
			b = append(b, '.')
		}
		b = append(b, s...)
	}
	return b
}

// putUnmapped copies under unmapped what the OCSF attributes do not represent: each top-level
// field not noted as represented, and of a partly represented object the members that were
// not; as JumpCloud sent them, but the fields not sent (ocsfNotSent: absent stays absent).
func (m *ocsfMapper) putUnmapped(body pcommon.Map) {
	var un pcommon.Map
	opened := false
	open := func() {
		if !opened {
			un, opened = body.PutEmptyMap("unmapped"), true
			un.EnsureCapacity(8)
		}
	}
	mustObject(m.r).Visit(func(key []byte, v *fastjson.Value) {
		if ocsfNotSent(v) {
			return
		}
		var used ocsfMembersUsed
		if m.usage(key, &used) {
			return // represented whole
		}
		if v.Type() != fastjson.TypeObject {
			open()
			putJSON(&m.r.a, un.PutEmpty(m.r.a.string(key)), v)
			return
		}
		// An object: written when one of its members is (one pass: the object is put when
		// its first member left is met, so that unmapped keeps the event's order).
		o, _ := v.Object()
		var members pcommon.Map
		some := false
		o.Visit(func(member []byte, mv *fastjson.Value) {
			if ocsfNotSent(mv) || m.memberUsed(&used, member) {
				return
			}
			if !some {
				open()
				members, some = un.PutEmptyMap(m.r.a.string(key)), true
				members.EnsureCapacity(o.Len())
			}
			putJSON(&m.r.a, members.PutEmpty(m.r.a.string(member)), mv)
		})
	})
}

// ocsfNotSent reports whether a field is JumpCloud's "not sent": null, an empty string, an
// empty object or an empty array (as in the ecs format). Inside a value copied under unmapped,
// what JumpCloud sent stays as it is (a change from [] to a list keeps its []).
func ocsfNotSent(v *fastjson.Value) bool {
	switch v.Type() {
	case fastjson.TypeNull:
		return true
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return len(b) == 0
	case fastjson.TypeObject:
		o, _ := v.Object()
		return o.Len() == 0
	case fastjson.TypeArray:
		a, _ := v.Array()
		return len(a) == 0
	}
	return false
}

// use notes the member of o as represented: a top-level field when o is the event, a member
// of a top-level object; deeper objects (the association's ends) are kept whole in unmapped.
func (m *ocsfMapper) use(o ocsfObj, member string) {
	if m.n == ocsfMaxUses {
		return
	}
	switch len(o.path) {
	case 0:
		if o.v == m.root.v {
			m.uses[m.n] = ocsfUse{key: member}
			m.n++
		}
	case 1:
		m.uses[m.n] = ocsfUse{key: o.path[0], member: member}
		m.n++
	}
}

// ocsfMembersUsed are the uses (indexes in ocsfMapper.uses) of members of one top-level key.
type ocsfMembersUsed struct {
	i [ocsfMaxUses]uint8
	n int
}

// usage reports whether the top-level key is represented whole; else used gets the uses of
// its members that are (none when the key is not represented at all).
func (m *ocsfMapper) usage(key []byte, used *ocsfMembersUsed) (whole bool) {
	for i, u := range m.uses[:m.n] {
		if string(key) == u.key {
			if u.member == "" {
				return true
			}
			used.i[used.n] = uint8(i)
			used.n++
		}
	}
	return false
}

// memberUsed reports whether the member of a top-level object is represented (used: the uses
// of the object's members, by usage).
func (m *ocsfMapper) memberUsed(used *ocsfMembersUsed, member []byte) bool {
	for _, i := range used.i[:used.n] {
		if string(member) == m.uses[i].member {
			return true
		}
	}
	return false
}

// obj is the object at path; a value of another type is a problem (and is left out of
// unmapped when it is a top-level field or a member of one).
func (m *ocsfMapper) obj(path []string) ocsfObj {
	// The paths are package variables: the same path is the same array.
	for _, o := range m.objs[:m.nobjs] {
		if &o.path[0] == &path[0] && len(o.path) == len(path) {
			return o
		}
	}
	o := m.lookup(path)
	if m.nobjs < len(m.objs) {
		m.objs[m.nobjs] = o
		m.nobjs++
	}
	return o
}

// lookup is obj without the memo.
func (m *ocsfMapper) lookup(path []string) ocsfObj {
	f := m.r.get(path...)
	if f == nil {
		return ocsfObj{path: path}
	}
	if f.Type() != fastjson.TypeObject {
		m.problem(f, "an object", ocsfObj{v: m.r.get(path[:len(path)-1]...), path: path[:len(path)-1]}, path[len(path)-1])
		return ocsfObj{path: path}
	}
	return ocsfObj{v: f, path: path}
}

// get is the member of o, nil when o or the member is absent or null.
func (m *ocsfMapper) get(o ocsfObj, member string) *fastjson.Value {
	if o.v == nil {
		return nil
	}
	obj, err := o.v.Object() // o.v is an object (obj, the root, a user agent)
	if err != nil {
		return nil
	}
	f := obj.Get(member)
	if f == nil || f.Type() == fastjson.TypeNull {
		return nil
	}
	return f
}

// problem notes that the member of o has an unexpected type, and leaves it out of unmapped.
func (m *ocsfMapper) problem(f *fastjson.Value, want string, o ocsfObj, member string) {
	keys := make([]string, 0, len(o.path)+1)
	m.r.problem(f, want, append(append(keys, o.path...), member))
	m.use(o, member)
}

// flag is the member of o when it is a boolean; another type is a problem.
func (m *ocsfMapper) flag(o ocsfObj, member string) (value, ok bool) {
	f := m.get(o, member)
	if f == nil {
		return false, false
	}
	if v, ok := boolean(f); ok {
		return v, true
	}
	m.problem(f, "a boolean", o, member)
	return false, false
}

// str is the member of o when it is a non-empty string; another type is a problem.
func (m *ocsfMapper) str(o ocsfObj, member string) (string, bool) {
	f := m.get(o, member)
	if f == nil {
		return "", false
	}
	if f.Type() != fastjson.TypeString {
		m.problem(f, "a string", o, member)
		return "", false
	}
	return str(&m.r.a, f)
}

// text is the member of o when it is a non-empty string, or a number's JSON text (ids);
// another type is a problem.
func (m *ocsfMapper) text(o ocsfObj, member string) (string, bool) {
	f := m.get(o, member)
	if f == nil {
		return "", false
	}
	s, ok, typeOK := textOf(&m.r.a, f)
	if !typeOK {
		m.problem(f, "a string", o, member)
	}
	return s, ok
}

// num is the member of o when it is a number; another type is a problem.
func (m *ocsfMapper) num(o ocsfObj, member string) (float64, bool) {
	f := m.get(o, member)
	if f == nil {
		return 0, false
	}
	if n, ok := number(f); ok {
		return n, true
	}
	m.problem(f, "a number", o, member)
	return 0, false
}

// ip is the member of o when it is an IP address (an ip_t: a longer or unparsable value is
// not one and stays in unmapped).
func (m *ocsfMapper) ip(o ocsfObj, member string) (string, bool) {
	s, ok := m.str(o, member)
	if !ok || len(s) > ocsfMaxIP {
		return "", false
	}
	if _, err := netip.ParseAddr(s); err != nil {
		return "", false
	}
	return s, true
}

// strBytes is the member of o when it is a non-empty string, as the decoded bytes (valid
// until the event's parser is reused: for text built at once); another type is a problem.
func (m *ocsfMapper) strBytes(o ocsfObj, member string) ([]byte, bool) {
	f := m.get(o, member)
	if f == nil {
		return nil, false
	}
	if f.Type() != fastjson.TypeString {
		m.problem(f, "a string", o, member)
		return nil, false
	}
	b, _ := f.StringBytes()
	return b, len(b) > 0
}

// hasAny reports whether one of members holds a non-empty string (or, with numbers, a
// number), without building the string; another type is a problem.
func (m *ocsfMapper) hasAny(o ocsfObj, numbers bool, members ...string) bool {
	for _, k := range members {
		f := m.get(o, k)
		if f == nil {
			continue
		}
		switch t := f.Type(); {
		case t == fastjson.TypeString:
			if b, _ := f.StringBytes(); len(b) > 0 {
				return true
			}
		case t == fastjson.TypeNumber && numbers:
			return true
		default:
			m.problem(f, "a string", o, k)
		}
	}
	return false
}

// firstStr is the first of members that holds a non-empty string.
func (m *ocsfMapper) firstStr(o ocsfObj, members ...string) (string, bool) {
	for _, k := range members {
		if s, ok := m.str(o, k); ok {
			return s, true
		}
	}
	return "", false
}

// firstText is the first of members that holds a string or a number.
func (m *ocsfMapper) firstText(o ocsfObj, members ...string) (string, bool) {
	for _, k := range members {
		if s, ok := m.text(o, k); ok {
			return s, true
		}
	}
	return "", false
}

// putStr puts the string member of o at key and notes it as represented.
func (m *ocsfMapper) putStr(dst pcommon.Map, key string, o ocsfObj, member string) bool {
	s, ok := m.str(o, member)
	if ok {
		dst.PutStr(key, s)
		m.use(o, member)
	}
	return ok
}

// putText puts the string or number member of o at key as text and notes it as represented.
func (m *ocsfMapper) putText(dst pcommon.Map, key string, o ocsfObj, member string) bool {
	s, ok := m.text(o, member)
	if ok {
		dst.PutStr(key, s)
		m.use(o, member)
	}
	return ok
}

// putFirstStr puts the first string of members at key.
func (m *ocsfMapper) putFirstStr(dst pcommon.Map, key string, o ocsfObj, members ...string) bool {
	for _, k := range members {
		if m.putStr(dst, key, o, k) {
			return true
		}
	}
	return false
}

// putFirstText puts the first string or number of members at key, as text.
func (m *ocsfMapper) putFirstText(dst pcommon.Map, key string, o ocsfObj, members ...string) bool {
	for _, k := range members {
		if m.putText(dst, key, o, k) {
			return true
		}
	}
	return false
}
