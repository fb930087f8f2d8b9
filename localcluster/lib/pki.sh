# shellcheck shell=bash
# PKI for the local test control plane, made with openssl: a CA, the kube-apiserver serving certificate,
# client certificates for the control-plane components and the admin, and the service-account key pair.
# Sourcing this file only defines functions: nothing runs and no shell option changes.
#
#   redispair::pki::ensure_ca DIR                       DIR/ca.{crt,key} (kept when present)
#   redispair::pki::ensure_client_cert DIR NAME CN [O]  DIR/NAME.{crt,key}, clientAuth, signed by the CA
#   redispair::pki::ensure_serving_cert DIR NAME SANS   DIR/NAME.{crt,key}, serverAuth; SANS is a comma list of
#                                                       "IP:a.b.c.d" / "DNS:name"; re-issued when SANS changes
#   redispair::pki::ensure_sa_keys DIR                  DIR/sa.{key,pub} (RSA) for service-account tokens
#   redispair::pki::san_list ENTRY...                   turns "10.0.0.1 example" into "IP:10.0.0.1,DNS:example"

[[ -n "${REDISPAIR_PKI_SH_LOADED:-}" ]] && return 0
REDISPAIR_PKI_SH_LOADED=1

# Test clusters are short-lived; a year keeps a long-lived dev VM working without renewals.
: "${REDISPAIR_PKI_DAYS:=365}"
: "${REDISPAIR_PKI_CA_DAYS:=3650}"
# RSA rather than ECDSA: every client we have (kubectl, the C++ operator's OpenSSL, curl) reads it.
: "${REDISPAIR_PKI_KEY_BITS:=2048}"

redispair::pki::_new_key() {
  local key="$1"
  (umask 077 && openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${REDISPAIR_PKI_KEY_BITS}" -out "${key}" 2>/dev/null)
}

redispair::pki::ensure_ca() {
  local dir="$1"
  [[ -s "${dir}/ca.crt" && -s "${dir}/ca.key" ]] && return 0
  mkdir -p "${dir}"
  redispair::pki::_new_key "${dir}/ca.key"
  openssl req -x509 -new -key "${dir}/ca.key" -out "${dir}/ca.crt" \
    -days "${REDISPAIR_PKI_CA_DAYS}" -subj "/CN=redispair-test-ca" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
}

# Signs DIR/NAME.key into DIR/NAME.crt with the CA. $3 is the subject, $4 the x509v3 extension lines.
redispair::pki::_sign() {
  local dir="$1" name="$2" subject="$3" extensions="$4"
  local serial
  serial="0x$(openssl rand -hex 16)"
  openssl req -new -key "${dir}/${name}.key" -subj "${subject}" 2>/dev/null |
    openssl x509 -req -CA "${dir}/ca.crt" -CAkey "${dir}/ca.key" -set_serial "${serial}" \
      -days "${REDISPAIR_PKI_DAYS}" -extfile <(printf '%s\n' "${extensions}") -out "${dir}/${name}.crt.tmp" 2>/dev/null
  mv "${dir}/${name}.crt.tmp" "${dir}/${name}.crt"
}

redispair::pki::ensure_client_cert() {
  local dir="$1" name="$2" cn="$3" org="${4:-}"
  [[ -s "${dir}/${name}.crt" && -s "${dir}/${name}.key" ]] && return 0
  local subject="/CN=${cn}"
  [[ -n "${org}" ]] && subject="/O=${org}${subject}"
  redispair::pki::_new_key "${dir}/${name}.key"
  redispair::pki::_sign "${dir}" "${name}" "${subject}" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
}

redispair::pki::ensure_serving_cert() {
  local dir="$1" name="$2" sans="$3"
  if [[ -s "${dir}/${name}.crt" && -s "${dir}/${name}.key" && "$(cat "${dir}/${name}.sans" 2>/dev/null)" == "${sans}" ]]; then
    return 0
  fi
  [[ -s "${dir}/${name}.key" ]] || redispair::pki::_new_key "${dir}/${name}.key"
  redispair::pki::_sign "${dir}" "${name}" "/CN=${name}" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=${sans}"
  printf '%s\n' "${sans}" >"${dir}/${name}.sans"
}

redispair::pki::ensure_sa_keys() {
  local dir="$1"
  [[ -s "${dir}/sa.key" && -s "${dir}/sa.pub" ]] && return 0
  redispair::pki::_new_key "${dir}/sa.key"
  openssl pkey -in "${dir}/sa.key" -pubout -out "${dir}/sa.pub" 2>/dev/null
}

redispair::pki::san_list() {
  local out="" entry
  for entry in "$@"; do
    [[ -z "${entry}" ]] && continue
    if [[ "${entry}" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ || "${entry}" == *:* ]]; then
      out+="${out:+,}IP:${entry}"
    else
      out+="${out:+,}DNS:${entry}"
    fi
  done
  printf '%s\n' "${out}"
}
