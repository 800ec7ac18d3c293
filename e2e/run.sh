#!/usr/bin/env bash
# Browser tests of the playground page. Starts a whole local piti-serve from the standalone jar
# (built by `mvn -B verify`; built here if missing) on free ports, with a temporary data directory
# and the micro test models (mask and sketch) plus the single-pass spade-mask, one worker serving them, runs e2e/tests/*.test.mjs in Debian's chromium through playwright-core,
# then stops the server. Screenshots and server logs land in e2e/target/.
#
# Needs: java 17, node 20+ (playwright-core's minimum), chromium (Debian package; CHROMIUM=/path overrides), and
# e2e/node_modules (`npm ci` in e2e/, run here when missing).
# PITISERVE_E2E_STATIC_DIR=gateway/src/main/resources/static serves the page from the source tree
# instead of the jar, to try page changes without rebuilding the jar.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
E2E=$ROOT/e2e
OUT=$E2E/target
JAR=${PITISERVE_JAR:-$ROOT/standalone/target/pitiserve.jar}
MODELS=$ROOT/worker/src/test/resources/fixtures/models
# micro-mask stays the mask task's default (the first declared); spade-mask is the bundled single-pass model.
MODEL=$MODELS/micro-mask,$MODELS/micro-sketch,$ROOT/worker/src/main/resources/pitiserve/models/spade-mask
START_TIMEOUT=${PITISERVE_E2E_START_TIMEOUT:-240}

CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
if [ -z "$CHROMIUM" ] || [ ! -x "$CHROMIUM" ]; then
  echo "e2e: chromium not found; install Debian's chromium (apt-get install chromium) or set CHROMIUM" >&2
  exit 2
fi
export CHROMIUM

NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$NODE_MAJOR" -lt 20 ]; then
  echo "e2e: node 20 or later is needed (playwright-core 1.65), found '$(node --version 2>/dev/null || echo none)'" >&2
  exit 2
fi

if [ ! -f "$JAR" ]; then
  echo "e2e: $JAR missing, building it" >&2
  (cd "$ROOT" && mvn -B -q -pl standalone -am package -DskipTests)
fi
if [ -n "$(find "$ROOT/gateway/src/main/resources/static" -newer "$JAR" -type f -print -quit)" ] \
    && [ -z "${PITISERVE_E2E_STATIC_DIR:-}" ]; then
  echo "e2e: note: the page's sources are newer than $JAR; rebuild it to test them" >&2
fi
if [ ! -d "$E2E/node_modules/playwright-core" ]; then
  (cd "$E2E" && npm ci --no-audit --no-fund)
fi

rm -rf "$OUT"
mkdir -p "$OUT/screenshots"
DATA=$(mktemp -d "${TMPDIR:-/tmp}/pitiserve-e2e-XXXXXX")
PITISERVE_API_KEY="pk_e2e_$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
export PITISERVE_API_KEY

EXTRA=()
if [ -n "${PITISERVE_E2E_STATIC_DIR:-}" ]; then
  EXTRA+=(--set "spring.web.resources.static-locations=file:$(cd "$PITISERVE_E2E_STATIC_DIR" && pwd)/")
fi
# Progress every 50 ms instead of 250 ms, so that a short job still shows its progress moving.
# C1 only and the serial collector: a faster start on a small machine; the networks run in libtorch.
java -Xmx1g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$JAR" serve --data-dir "$DATA" --http-port 0 --kafka-port 0 --kafka-controller-port 0 \
  --s3-port 0 --model "$MODEL" --set pitiserve.worker.progress-interval=50ms "${EXTRA[@]}" \
  > "$OUT/server.out" 2> "$OUT/server.log" &
SERVER=$!

stop() {
  if kill -0 "$SERVER" 2>/dev/null; then
    kill "$SERVER" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$SERVER" 2>/dev/null || true
  fi
  wait "$SERVER" 2>/dev/null || true
  rm -rf "$DATA"
}
trap stop EXIT

URL=
for _ in $(seq 1 $((START_TIMEOUT * 2))); do
  URL=$(sed -n 's/^  API *\(http[^ ]*\).*/\1/p' "$OUT/server.out")
  [ -n "$URL" ] && break
  if ! kill -0 "$SERVER" 2>/dev/null; then
    echo "e2e: the server exited before it was ready; last lines of $OUT/server.log:" >&2
    tail -n 30 "$OUT/server.log" >&2
    exit 1
  fi
  sleep 0.5
done
if [ -z "$URL" ]; then
  echo "e2e: the server was not ready after ${START_TIMEOUT} s; see $OUT/server.log" >&2
  exit 1
fi
echo "e2e: piti-serve at $URL"

cd "$E2E"
PITISERVE_URL=$URL PITISERVE_SCREENSHOTS=$OUT/screenshots \
  node --test tests/*.test.mjs
echo "e2e: screenshots in $OUT/screenshots"
