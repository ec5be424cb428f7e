#!/usr/bin/env bash
# Makes a fleet CA and certificates signed by it, for TLS between agents and silos and among silos.
#
#   scripts/fleet-certs.sh DIR [silo:]NAME...
#
# DIR/ca.pem and DIR/ca.key are the fleet CA (made once, reused on later runs, so more members can be
# added); each NAME gets DIR/NAME.pem and DIR/NAME.key. A name given as silo:NAME is a silo's certificate,
# for TLS server and client use (a silo accepts and opens connections); any other is an ECU's (or another
# client's), for client use only. Silos accept only silo certificates from each other and only client ones
# at their gateways, and agents only silo ones from a gateway, so neither kind can stand in for the other.
# Meant for tests and trials: a real fleet keeps its CA key offline and issues certificates from its own PKI.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 DIR NAME..." >&2
  exit 2
fi
dir=$1
shift
mkdir -p "$dir"
command -v openssl >/dev/null || { echo "fleet-certs: openssl is not installed (Debian package openssl)" >&2; exit 1; }

if [ ! -f "$dir/ca.pem" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=OrleansCms fleet CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
fi

for spec in "$@"; do
  case "$spec" in
    silo:*) name=${spec#silo:} usage=serverAuth,clientAuth ;;
    *) name=$spec usage=clientAuth ;;
  esac
  case "$name" in
    *[!A-Za-z0-9._-]*|"") echo "fleet-certs: '$name' is not a valid name (letters, digits, . _ -)" >&2; exit 2 ;;
  esac
  extensions=$(mktemp)
  cat >"$extensions" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=$usage
subjectAltName=DNS:$name,DNS:localhost,IP:127.0.0.1
EOF
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
    -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 825 -extfile "$extensions" -out "$dir/$name.pem" 2>/dev/null
  rm -f "$dir/$name.csr" "$extensions"
  echo "fleet-certs: $dir/$name.pem"
done
