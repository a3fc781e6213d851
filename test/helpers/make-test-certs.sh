#!/usr/bin/env bash
# Makes the certificates of the TLS tests with the openssl CLI, into the folder given (made at
# test time, removed by the test; never committed). EC P-256 keys. Files:
#   ca.pem                   the test root CA (clients trust this)
#   other-ca.pem             another root CA that signed nothing the server serves ("unknown CA")
#   server.pem server.key    leaf for DNS:localhost, IP:127.0.0.1, IP:::1, signed by an
#                            intermediate CA; server.pem = leaf + intermediate (a chain)
#   expired.pem expired.key  leaf for the same names, signed by the root, valid only in 2020
#   wronghost.pem wronghost.key  leaf for DNS:wrong.example only, signed by the root
#   leaf-only.pem            server.pem's leaf without its intermediate
# usage: make-test-certs.sh DIR
set -euo pipefail
dir=${1:?usage: make-test-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# Root CAs and the intermediate.
cat > ca.ext <<'EOF'
[ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
key ca.key
openssl req -new -x509 -key ca.key -out ca.pem -days 3650 -subj "/CN=node-otc test root CA" \
  -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
key other-ca.key
openssl req -new -x509 -key other-ca.key -out other-ca.pem -days 3650 -subj "/CN=node-otc other CA" \
  -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
key intermediate.key
openssl req -new -key intermediate.key -out intermediate.csr -subj "/CN=node-otc test intermediate CA" 2>/dev/null
openssl x509 -req -in intermediate.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out intermediate.pem -days 3650 \
  -extfile ca.ext -extensions ca 2>/dev/null

# Leaf extensions: serverAuth for the names given.
leaf_ext() {  # file subjectAltName
  cat > "$1" <<EOF
[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $2
EOF
}
leaf_ext good.ext "DNS:localhost, IP:127.0.0.1, IP:::1"
leaf_ext wrong.ext "DNS:wrong.example"

key server.key
openssl req -new -key server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
openssl x509 -req -in server.csr -CA intermediate.pem -CAkey intermediate.key -CAcreateserial -out leaf-only.pem \
  -days 30 -extfile good.ext -extensions leaf 2>/dev/null
cat leaf-only.pem intermediate.pem > server.pem

key wronghost.key
openssl req -new -key wronghost.key -out wronghost.csr -subj "/CN=wrong.example" 2>/dev/null
openssl x509 -req -in wronghost.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out wronghost.pem \
  -days 30 -extfile wrong.ext -extensions leaf 2>/dev/null

# Expired: `openssl x509 -req` cannot set past dates in OpenSSL 3.0; `openssl ca` can.
key expired.key
openssl req -new -key expired.key -out expired.csr -subj "/CN=localhost" 2>/dev/null
mkdir -p ca-db
: > ca-db/index.txt
echo 1000 > ca-db/serial
cat > ca.cnf <<EOF
[ca]
default_ca = test_ca
[test_ca]
database = ca-db/index.txt
serial = ca-db/serial
new_certs_dir = ca-db
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = supplied
EOF
cat good.ext >> ca.cnf
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem -notext \
  -startdate 20200101000000Z -enddate 20201231235959Z -extensions leaf 2>/dev/null

rm -rf ca-db ./*.csr ./*.srl ./*.ext ca.cnf
