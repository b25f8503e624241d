#!/bin/sh
# One-shot set-up of the production compose's secrets, run by its `secrets` service inside the
# OpenSearch image (it has a JDK's keytool and the security plugin's password hasher) and
# writing into the `secrets` volume. It does nothing once the volume holds them, so restarts and
# `docker compose up` again keep the same certificates and passwords.
#
# * A CA of its own (never a demo certificate): ca.p12 (its key stays here), ca.pem (the
#   certificate clients verify against: RASAD_STORE_CA_FILE, RASAD_BUS_CA_FILE).
# * opensearch.p12 (CN=opensearch, DNS:opensearch, DNS:localhost, IP:127.0.0.1), kafka.p12
#   (CN=kafka, DNS:kafka, DNS:localhost), admin.p12 (CN=admin: OpenSearch's security admin),
#   truststore.p12 (the CA) — PKCS#12, password $KEYSTORE_PASSWORD.
# * OpenSearch's security configuration beside them (the volume is its opensearch-security
#   folder): the image's defaults, with internal_users.yml holding only the admin user, whose
#   password hash is made here from $OPENSEARCH_ADMIN_PASSWORD.
set -eu
OUT="${SECRETS_DIR:-/secrets}"
KEYTOOL="${KEYTOOL:-/usr/share/opensearch/jdk/bin/keytool}"
HASH="${HASH_TOOL:-/usr/share/opensearch/plugins/opensearch-security/tools/hash.sh}"
SECURITY_DEFAULTS="${SECURITY_DEFAULTS:-/usr/share/opensearch/config/opensearch-security}"
P="${KEYSTORE_PASSWORD:?KEYSTORE_PASSWORD is not set}"
: "${OPENSEARCH_ADMIN_PASSWORD:?OPENSEARCH_ADMIN_PASSWORD is not set}"

if [ -f "$OUT/done" ]; then
  echo "secrets already made"; exit 0
fi
mkdir -p "$OUT"
cd "$OUT"

"$KEYTOOL" -genkeypair -alias ca -dname "CN=Rasad CA,OU=rasad" -ext bc:c -keyalg RSA -keysize 3072 \
  -validity 3650 -keystore ca.p12 -storetype PKCS12 -storepass "$P"
"$KEYTOOL" -exportcert -rfc -alias ca -keystore ca.p12 -storepass "$P" > ca.pem
"$KEYTOOL" -importcert -noprompt -alias ca -file ca.pem -keystore truststore.p12 \
  -storetype PKCS12 -storepass "$P"

issue() {  # issue NAME DNAME SAN EKU
  "$KEYTOOL" -genkeypair -alias "$1" -dname "$2" -keyalg RSA -keysize 2048 -validity 825 \
    -keystore "$1.p12" -storetype PKCS12 -storepass "$P"
  "$KEYTOOL" -certreq -alias "$1" -keystore "$1.p12" -storepass "$P" \
    | "$KEYTOOL" -gencert -rfc -alias ca -keystore ca.p12 -storepass "$P" -validity 825 \
        -ext "KU=digitalSignature,keyEncipherment" -ext "EKU=$4" ${3:+-ext "SAN=$3"} > "$1.pem"
  "$KEYTOOL" -importcert -noprompt -alias ca -file ca.pem -keystore "$1.p12" -storepass "$P"
  "$KEYTOOL" -importcert -alias "$1" -file "$1.pem" -keystore "$1.p12" -storepass "$P"
}
# One-part names: OpenSearch reads nodes_dn/admin_dn from the environment as comma-split lists.
issue opensearch "CN=opensearch" "dns:opensearch,dns:localhost,ip:127.0.0.1" serverAuth,clientAuth
issue kafka "CN=kafka" "dns:kafka,dns:localhost" serverAuth,clientAuth
issue admin "CN=admin" "" clientAuth

cp "$SECURITY_DEFAULTS"/*.yml .
HASHED=$("$HASH" -p "$OPENSEARCH_ADMIN_PASSWORD" | tail -n 1)
cat > internal_users.yml <<USERS
_meta:
  type: "internalusers"
  config_version: 2
admin:
  hash: "$HASHED"
  reserved: true
  backend_roles: ["admin"]
  description: "Rasad's services and the operator"
USERS
# The servers' users (uid 1000 in the OpenSearch and Kafka images) read everything; the other
# containers (Rasad's) only the CA certificate.
chown -R 1000:1000 "$OUT"
chmod 0640 ./*.p12 ./*.yml
chmod 0644 ca.pem
chmod 0755 "$OUT"  # Rasad's containers reach ca.pem through the folder
touch done
echo "secrets made in the volume"
