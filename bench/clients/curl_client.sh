#!/usr/bin/env bash
# Benchmark client 4: the curl command, one process per call, as a shell script calls the API.
#
# Command line and environment are those of every benchmark client (see bench/src/lib.rs):
#   curl_client.sh WEBHOOK_ID CALLS OUTPUT
# It fetches a security token once, then starts one curl per call. Each call is timed with
# bash's $EPOCHREALTIME (microseconds, no process started), so a figure is the fork and exec
# of curl, its connection and its request. Headers go through a file (`-H @FILE`, curl 7.55
# or later) so that the API key and the token appear on no command line.
set -euo pipefail

# The same values as WARMUP_CALLS and OPERATIONS in bench/src/lib.rs.
readonly WARMUP_CALLS=20
readonly OPERATIONS=(get list put)

if [[ $# -ne 3 || ! $2 =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: curl_client.sh WEBHOOK_ID CALLS OUTPUT" >&2
    exit 2
fi
webhook_id=$1
calls=$2
output=$3
# NOTE: the id goes into the path as given; the emulator's ids are UUIDs, which need no
# percent-encoding.
webhook_url="$VISIER_HOST/v1/op/webhooks/$webhook_id"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
umask 077
printf 'apikey: %s\n' "$VISIER_APIKEY" > "$scratch/token-headers"
printf '%s' "$VISIER_PASSWORD" > "$scratch/password"
token=$(curl -sS --fail -H "@$scratch/token-headers" \
    --data-urlencode "username=$VISIER_USERNAME" \
    --data-urlencode "password@$scratch/password" \
    "$VISIER_HOST/v1/admin/visierSecureToken")
printf 'apikey: %s\nCookie: VisierASIDToken=%s\nAccept: application/json\n' \
    "$VISIER_APIKEY" "$token" > "$scratch/headers"

body="$scratch/body"
webhook="$scratch/webhook"

# Runs one call and exits unless it returns status 200. Arguments are curl's, after the common ones.
call() {
    local status
    status=$(curl -sS -H "@$scratch/headers" -o "$body" -w '%{http_code}' "$@")
    if [[ $status != 200 ]]; then
        echo "curl_client.sh: $* got status $status" >&2
        exit 1
    fi
}

call "$webhook_url"
cp "$body" "$webhook"
for ((i = 1; i < WARMUP_CALLS; i++)); do
    call "$webhook_url"
done

lines=()
for operation in "${OPERATIONS[@]}"; do
    case $operation in
        get) arguments=("$webhook_url") ;;
        list) arguments=("$VISIER_HOST/v1/op/webhooks") ;;
        put) arguments=(-X PUT -H 'Content-Type: application/json' --data-binary "@$webhook"
            "$webhook_url") ;;
    esac
    for ((i = 0; i < calls; i++)); do
        started=${EPOCHREALTIME//[!0-9]/}
        call "${arguments[@]}"
        finished=${EPOCHREALTIME//[!0-9]/}
        lines+=("$operation $(((finished - started) * 1000))")
    done
done
printf '%s\n' "${lines[@]}" > "$output"
