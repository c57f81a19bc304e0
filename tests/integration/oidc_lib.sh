# shellcheck shell=sh
# A real OpenID provider for the tests: glewlwyd (Debian package) on a
# loopback port, over TLS with a throw-away certificate, from a generated
# config and a fresh sqlite database in a temp dir.  Configured through its
# admin REST API: an OIDC plugin instance "oidc" (RS256 signing key, device
# authorization grant, interval 1s), a second instance "oidcshort" whose
# device codes expire after IDP_SHORT_EXPIRY_S, a public client "meshsshd",
# and users alice and bob with e-mail addresses.
#
# Source this file, then:
#   idp_start DIR            start it; sets IDP_URL IDP_ISSUER IDP_SHORT_ISSUER IDP_CA IDP_PID,
#                            and IDP_SECRET_CLIENT with its secret in DIR/client-secret
#   idp_approve USER CODE    the user's side of the device flow, as a browser
#                            would: log in with the password, grant the
#                            scope to the client, submit the user code
#   idp_rotate_key           sign with a new key (new kid) from now on
#   idp_stop                 stop it (by PID)
# With IDP_NETNS set, glewlwyd and every request to it run inside that
# network namespace (ip netns exec); IDP_PORT picks its port there.
# Needs: glewlwyd, sqlite3, openssl, curl, python3.

IDP_SHORT_EXPIRY_S=3
IDP_CLIENT=meshsshd

idp_run() { # idp_run CMD...: in IDP_NETNS when set
	if [ -n "${IDP_NETNS:-}" ]; then
		ip netns exec "$IDP_NETNS" "$@"
	else
		"$@"
	fi
}

idp_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

idp_have() {
	for b in glewlwyd sqlite3 openssl curl python3; do
		command -v "$b" >/dev/null 2>&1 || { echo "$b not installed"; return 1; }
	done
	for f in /usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz \
		/usr/lib/glewlwyd/plugin/libprotocol_oidc.so; do
		[ -e "$f" ] || { echo "$f missing"; return 1; }
	done
	return 0
}

# curl as the admin (cookie session), JSON body; prints the HTTP status.
idp_admin() {
	method=$1 path=$2 body=$3
	idp_run curl -s -o "$IDP_DIR/admin.out" -w '%{http_code}' --cacert "$IDP_CA" \
		-b "$IDP_DIR/admin.jar" -c "$IDP_DIR/admin.jar" \
		-H 'Content-Type: application/json' -X "$method" --data-binary "$body" \
		"$IDP_URL/api$path"
}

idp_plugin_json() {
	name=$1 expiry=$2
	python3 - "$IDP_DIR" "$IDP_URL" "$name" "$expiry" <<'EOF'
import json, sys
d, url, name, expiry = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
print(json.dumps({"module": "oidc", "name": name, "display_name": name, "enabled": True,
  "parameters": {
    "iss": url + "/api/" + name, "jwt-type": "rsa", "jwt-key-size": "256",
    "key": open(d + "/sign.key").read(), "cert": open(d + "/sign.pub").read(),
    "access-token-duration": 3600, "refresh-token-duration": 1209600, "code-duration": 600,
    "allow-non-oidc": False, "auth-type-code-enabled": True, "auth-type-device-enabled": True,
    "auth-type-refresh-enabled": False,
    "device-authorization-expiration": expiry, "device-authorization-interval": 1,
    "email-claim": "mandatory", "name-claim": "on-demand", "subject-type": "public",
    "jwks-show": True, "scope-claim": "no"}}))
EOF
}

idp_start() {
	IDP_DIR=$1
	port=${IDP_PORT:-$(idp_free_port)} || return 1
	IDP_URL="https://127.0.0.1:$port"
	IDP_ISSUER="$IDP_URL/api/oidc"
	IDP_SHORT_ISSUER="$IDP_URL/api/oidcshort"
	IDP_CA="$IDP_DIR/tls.pem"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$IDP_DIR/tls.key" -out "$IDP_CA" -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 || { echo "openssl req failed"; return 1; }
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$IDP_DIR/sign.key" \
		>/dev/null 2>&1 && openssl pkey -in "$IDP_DIR/sign.key" -pubout -out "$IDP_DIR/sign.pub" \
		|| { echo "openssl genpkey failed"; return 1; }
	zcat /usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz | sqlite3 "$IDP_DIR/glewlwyd.db" \
		|| { echo "sqlite3 schema load failed"; return 1; }
	cat >"$IDP_DIR/glewlwyd.conf" <<EOF
port=$port
bind_address="127.0.0.1"
external_url="$IDP_URL"
login_url="login.html"
api_prefix="api"
log_mode="file"
log_level="INFO"
log_file="$IDP_DIR/glewlwyd.log"
cookie_secure=0
cookie_same_site="empty"
session_expiration=3600
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="/usr/lib/glewlwyd/user"
client_module_path="/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
plugin_module_path="/usr/lib/glewlwyd/plugin"
use_secure_connection=true
secure_connection_key_file="$IDP_DIR/tls.key"
secure_connection_pem_file="$IDP_DIR/tls.pem"
hash_algorithm="SHA512"
database = { type = "sqlite3" path = "$IDP_DIR/glewlwyd.db" };
EOF
	# not through idp_run: $! must be glewlwyd itself (ip netns exec execs it)
	if [ -n "${IDP_NETNS:-}" ]; then
		ip netns exec "$IDP_NETNS" glewlwyd -c "$IDP_DIR/glewlwyd.conf" >"$IDP_DIR/glewlwyd.out" 2>&1 &
	else
		glewlwyd -c "$IDP_DIR/glewlwyd.conf" >"$IDP_DIR/glewlwyd.out" 2>&1 &
	fi
	IDP_PID=$!
	i=0
	until idp_run curl -s -o /dev/null --cacert "$IDP_CA" "$IDP_URL/api/auth/scheme/" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$IDP_PID" 2>/dev/null; then
			echo "glewlwyd did not start: $(tail -3 "$IDP_DIR/glewlwyd.out" | tr '\n' ' ')"
			return 1
		fi
		sleep 0.1
	done
	# the schema's default administrator
	s=$(idp_admin POST /auth/ '{"username":"admin","password":"password"}')
	[ "$s" = 200 ] || { echo "admin login: HTTP $s"; return 1; }
	s=$(idp_admin POST /mod/plugin/ "$(idp_plugin_json oidc 600)")
	[ "$s" = 200 ] || { echo "plugin oidc: HTTP $s $(cat "$IDP_DIR/admin.out")"; return 1; }
	s=$(idp_admin POST /mod/plugin/ "$(idp_plugin_json oidcshort "$IDP_SHORT_EXPIRY_S")")
	[ "$s" = 200 ] || { echo "plugin oidcshort: HTTP $s"; return 1; }
	s=$(idp_admin POST /client/ "{\"client_id\":\"$IDP_CLIENT\",\"client_name\":\"meshsshd\",
		\"confidential\":false,\"authorization_type\":[\"device_authorization\"],
		\"scope\":[\"openid\"],\"redirect_uri\":[],\"enabled\":true}")
	[ "$s" = 200 ] || { echo "client: HTTP $s"; return 1; }
	# a confidential client: the secret travels with HTTP Basic authentication
	IDP_SECRET_CLIENT=meshsshd-conf
	printf 's3cret-%s\n' "$$" >"$IDP_DIR/client-secret"
	chmod 600 "$IDP_DIR/client-secret"
	s=$(idp_admin POST /client/ "{\"client_id\":\"$IDP_SECRET_CLIENT\",
		\"client_name\":\"meshsshd confidential\",\"confidential\":true,
		\"client_secret\":\"s3cret-$$\",\"token_endpoint_auth_method\":[\"client_secret_basic\"],
		\"authorization_type\":[\"device_authorization\"],
		\"scope\":[\"openid\"],\"redirect_uri\":[],\"enabled\":true}")
	[ "$s" = 200 ] || { echo "confidential client: HTTP $s"; return 1; }
	for u in alice bob; do
		s=$(idp_admin POST /user/ "{\"username\":\"$u\",\"name\":\"$u\",
			\"email\":\"$u@example.com\",\"password\":\"pw-$u-$$\",
			\"scope\":[\"openid\",\"g_profile\"],\"enabled\":true}")
		[ "$s" = 200 ] || { echo "user $u: HTTP $s"; return 1; }
	done
	return 0
}

# idp_approve USER CODE [PLUGIN [CLIENT]]: what the person does in the browser.
idp_approve() {
	u=$1 code=$2 plugin=${3:-oidc} client=${4:-$IDP_CLIENT}
	jar="$IDP_DIR/$u.jar"
	rm -f "$jar"
	s=$(idp_run curl -s -o /dev/null -w '%{http_code}' --cacert "$IDP_CA" -b "$jar" -c "$jar" \
		-H 'Content-Type: application/json' \
		--data-binary "{\"username\":\"$u\",\"password\":\"pw-$u-$$\"}" "$IDP_URL/api/auth/")
	[ "$s" = 200 ] || { echo "login as $u: HTTP $s"; return 1; }
	s=$(idp_run curl -s -o /dev/null -w '%{http_code}' --cacert "$IDP_CA" -b "$jar" -c "$jar" -X PUT \
		-H 'Content-Type: application/json' --data-binary '{"scope":"openid"}' \
		"$IDP_URL/api/auth/grant/$client")
	[ "$s" = 200 ] || { echo "grant as $u: HTTP $s"; return 1; }
	loc=$(idp_run curl -s -o /dev/null -w '%{redirect_url}' --cacert "$IDP_CA" -b "$jar" -c "$jar" \
		"$IDP_URL/api/$plugin/device?code=$code&g_continue")
	case $loc in
	*prompt=deviceComplete*) return 0 ;;
	*) echo "device code $code not accepted: $loc"; return 1 ;;
	esac
}

# idp_rotate_key: the IdP signs with a new key from now on (new kid; the old
# key leaves the JWKS).  Device codes already issued stay valid.
idp_rotate_key() {
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$IDP_DIR/sign.key" \
		>/dev/null 2>&1 && openssl pkey -in "$IDP_DIR/sign.key" -pubout -out "$IDP_DIR/sign.pub" \
		|| { echo "openssl genpkey failed"; return 1; }
	s=$(idp_admin PUT /mod/plugin/oidc "$(idp_plugin_json oidc 600)")
	[ "$s" = 200 ] || { echo "plugin update: HTTP $s"; return 1; }
	# the instance reads its key when it starts
	s=$(idp_admin PUT /mod/plugin/oidc/disable '')
	[ "$s" = 200 ] || { echo "plugin disable: HTTP $s"; return 1; }
	s=$(idp_admin PUT /mod/plugin/oidc/enable '')
	[ "$s" = 200 ] || { echo "plugin enable: HTTP $s"; return 1; }
}

idp_stop() {
	if [ -n "${IDP_PID:-}" ]; then
		kill "$IDP_PID" 2>/dev/null
		wait "$IDP_PID" 2>/dev/null
		IDP_PID=
	fi
}
