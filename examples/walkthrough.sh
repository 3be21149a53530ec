#!/usr/bin/env bash
# A walk through the API with curl and jq, after `npm run demo` (its references are DSP-WALK-*, the
# demo's DSP-TR-*). Run it as it stands: ADMIN=<admin key> bash examples/walkthrough.sh
# (MWP=http://host:port for a service elsewhere). Every step stops the script if it fails.
set -euo pipefail
MWP=${MWP:-http://127.0.0.1:8080}
api() { curl -sS --fail-with-body "$@"; }

# a key for the DSP's planners (the secret is shown only in this answer)
DSP=$(api -X POST "$MWP/v1/keys" -H "Authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"name":"DSP planners (walk-through)","role":"submitter","party":"DSP"}' | jq -er .key)

# submit a window: the 201 answer carries its assessment (findings and impact); keep its id
WINDOW=$(api -X POST "$MWP/v1/windows" -H "Authorization: Bearer $DSP" -H 'content-type: application/json' \
  -H 'Idempotency-Key: dsp-walk-01' -d '{
    "reference": "DSP-WALK-01", "title": "DSP walk-through window", "party": "DSP", "impact": "outage",
    "services": ["service-requests", "prepayment-top-up"], "riskToService": "Rollback rehearsed",
    "start": "2021-11-21T00:00:00Z", "end": "2021-11-21T06:00:00Z", "zone": "Europe/London" }')
ID=$(jq -er .id <<<"$WINDOW")
jq -er '.assessment.findings[].message' <<<"$WINDOW"

# read it (note the ETag), edit it with a JSON Merge Patch, read its history
ETAG=$(api -D - -o /dev/null "$MWP/v1/windows/$ID" -H "Authorization: Bearer $DSP" | tr -d '\r' | grep -i '^etag:' | cut -d' ' -f2)
echo "ETag: $ETAG"                                                              # ETag: "1"
api -X PATCH "$MWP/v1/windows/$ID" -H "Authorization: Bearer $DSP" -H "If-Match: $ETAG" \
  -H 'content-type: application/merge-patch+json' -d '{"end": "2021-11-21T05:00:00Z"}' | jq -e '.version, .end'
api "$MWP/v1/windows/$ID/history" -H "Authorization: Bearer $DSP" | jq -ec '.items[].changes'

# check a whole plan without storing anything (a dry run)
api -X POST "$MWP/v1/assessments" -H "Authorization: Bearer $DSP" -H 'content-type: application/json' \
  -d @examples/opsg-58-plan.json | jq -ec '.months[] | {month, plannedMinutes, status}'
