#!/usr/bin/env bash
# Walks the whole flow against a running backend in emulator mode (`npm start`), with curl,
# the way a client would: OAuth page → session → verification → certify page → emulator
# outcome → PASSED. Exits non-zero at the first step that does not answer as expected.
#
#   npm start &                       # or: PORT=3456 DATA_DIR=$(mktemp -d) npm start &
#   bash server/scripts/walk-flow.sh  # BASE_URL=http://127.0.0.1:3456 bash server/scripts/walk-flow.sh
#
# The ID number is generated (checksum-valid, random sequence) and the name is a made-up test name.
set -euo pipefail

BASE_URL="${BASE_URL:-http://127.0.0.1:3000}"
# Where the emulator's script endpoints are: the backend itself unless it uses EMULATOR_URL.
EMULATOR_BASE_URL="${EMULATOR_BASE_URL:-$BASE_URL}"
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];if(v===undefined)process.exit(1);process.stdout.write(String(v))})' "$1"; }
step() { printf '%-36s ' "$1"; }

step "client config"
config=$(curl -fsS "$BASE_URL/api/client-config")
authorize_url=$(printf '%s' "$config" | json oauthAuthorizeUrl)
app_id=$(printf '%s' "$config" | json appId)
echo "mode=$(printf '%s' "$config" | json mode)"

step "auth_base OAuth page → auth_code"
redirect=$(curl -fsS -o /dev/null -w '%{redirect_url}' -G "$authorize_url" \
  --data-urlencode "app_id=$app_id" --data-urlencode "scope=auth_base" --data-urlencode "redirect_uri=$BASE_URL/")
auth_code=$(node -e 'process.stdout.write(new URL(process.argv[1]).searchParams.get("auth_code")||"")' "$redirect")
[ -n "$auth_code" ] || { echo "no auth_code in $redirect"; exit 1; }
echo "ok"

step "POST /api/sessions"
token=$(curl -fsS -X POST "$BASE_URL/api/sessions" -H 'content-type: application/json' \
  -d "{\"authCode\":\"$auth_code\"}" | json token)
echo "ok"

cert_no=$(node -e '
const w=[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2];
const first17="110101"+"19800101"+String(Math.floor(Math.random()*1000)).padStart(3,"0");
let s=0;for(let i=0;i<17;i+=1)s+=Number(first17[i])*w[i];
process.stdout.write(first17+"10X98765432"[s%11]);')

step "GET /api/consent-notice"
consent_version=$(curl -fsS "$BASE_URL/api/consent-notice?lang=zh-CN" | json version)
echo "version=$consent_version"

step "POST /api/verifications"
created=$(curl -fsS -X POST "$BASE_URL/api/verifications" -H 'content-type: application/json' \
  -H "authorization: Bearer $token" -H "idempotency-key: walk-$(date +%s%N)" \
  -d "{\"certName\":\"测试甲\",\"certNo\":\"$cert_no\",\"consentVersion\":\"$consent_version\"}")
verification_id=$(printf '%s' "$created" | json verificationId)
certify_id=$(printf '%s' "$created" | json certifyId)
certify_url=$(printf '%s' "$created" | json url)
echo "verificationId=$verification_id"

step "GET certify URL (emulated page)"
curl -fsS "$certify_url" | grep -q 'data-outcome="PASSED"' || { echo "the certify page has no pass button"; exit 1; }
echo "ok"

step "GET verification (before)"
before=$(curl -fsS "$BASE_URL/api/verifications/$verification_id" -H "authorization: Bearer $token" | json status)
echo "$before"
[ "$before" = "PENDING" ] || exit 1

step "POST emulator outcome PASSED"
curl -fsS -X POST "$EMULATOR_BASE_URL/emulator/certifications/$certify_id/outcome" -H 'content-type: application/json' \
  -d '{"outcome":"PASSED"}' >/dev/null
echo "ok"

step "GET verification (after)"
status=PENDING
for _ in $(seq 1 20); do
  status=$(curl -fsS "$BASE_URL/api/verifications/$verification_id" -H "authorization: Bearer $token" | json status)
  [ "$status" = "PENDING" ] || break
  sleep 0.5 # the server reuses a query answer for QUERY_CACHE_MS (default 1 s)
done
echo "$status"
[ "$status" = "PASSED" ] || exit 1
echo "Flow complete: session → verification → emulator outcome → PASSED"
