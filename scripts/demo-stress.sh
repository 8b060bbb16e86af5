#!/usr/bin/env bash
# Starts the demo RUNS times in a row on a machine kept busy (LOAD_PER_CORE `yes > /dev/null`
# per core) and checks each run: it never crashes, both alerts (vendor stall on demo-stall,
# small ad on demo-poster) become cases opened during that run, and one Ctrl-C (SIGINT) stops it
# cleanly — exit 0, no Redis keys left under the run's prefix, no temp media left.
#
#   scripts/demo-stress.sh [RUNS=10] [ALERT_TIMEOUT_S=300]
#   LOAD_PER_CORE=0 scripts/demo-stress.sh 3     # on a quiet machine
#
# Prints one row per run and a summary; exit status 1 if any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-10}
ALERT_TIMEOUT_S=${2:-300}
LOAD_PER_CORE=${LOAD_PER_CORE:-2}
PORT=${DEMO_PORT:-18280}
PASSWORD=huiyan-demo
LOG_DIR=${LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/huiyan-demo-stress-XXXXXX")}
REDIS_CLI=${REDIS_CLI:-redis-cli}
mkdir -p "$LOG_DIR"

load_pids=()
demo_pid=
cleanup() {
  for p in "${load_pids[@]}"; do kill "$p" 2>/dev/null; done
  [ -n "$demo_pid" ] && kill -INT "$demo_pid" 2>/dev/null
}
trap cleanup EXIT

cores=$(nproc)
for _ in $(seq 1 $((cores * LOAD_PER_CORE))); do
  yes > /dev/null &
  load_pids+=($!)
done
echo "load: ${#load_pids[@]} × yes on $cores cores; logs in $LOG_DIR"
printf '%-4s %-8s %-10s %-10s %-10s %-8s %-8s %s\n' run result url_s stall_s poster_s stop_s keys_left note

# Case opened on a camera after $2 (ms since epoch): prints the seconds since $2, or nothing.
opened_after() {
  curl -s -b "$LOG_DIR/cookies" "http://127.0.0.1:$PORT/api/cases?limit=100" |
    /usr/bin/python3 -c "import json,sys
d=json.load(sys.stdin); t=[c['openedAt'] for c in d.get('items',[]) if c['cameraId']=='$1' and c['openedAt']>=$2]
print(f'{(min(t)-$2)/1000:.0f}' if t else '')" 2>/dev/null
}

failed=0
for run in $(seq 1 "$RUNS"); do
  log="$LOG_DIR/run-$run.log"
  : > "$log"
  start_ms=$(date +%s%3N)
  HUIYAN_LOG_LEVEL=${HUIYAN_LOG_LEVEL:-warn} node --import tsx src/cli/main.ts demo --port "$PORT" > "$log" 2>&1 &
  demo_pid=$!
  result=ok note= url_s=- stall_s=- poster_s=- stop_s=- keys=-
  # 1. The URL is printed.
  while kill -0 "$demo_pid" 2>/dev/null && ! grep -q 'demo is running' "$log"; do sleep 1; done
  if ! kill -0 "$demo_pid" 2>/dev/null; then
    wait "$demo_pid"; result=CRASH; note="exited $? before the URL"; demo_pid=
  else
    url_s=$(( ($(date +%s%3N) - start_ms) / 1000 ))
    csrf=$(curl -s -c "$LOG_DIR/cookies" -H 'content-type: application/json' \
      -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" "http://127.0.0.1:$PORT/api/login" | grep -o '"csrfToken":"[^"]*"' | cut -d'"' -f4)
    # The session acknowledges the data-security notice before it may read cases.
    curl -s -b "$LOG_DIR/cookies" -H 'content-type: application/json' -H "x-csrf-token: $csrf" -d '{}' "http://127.0.0.1:$PORT/api/notice/ack" > /dev/null
    prefix=$(grep -o 'keys under [^:]*' "$log" | head -1 | cut -d' ' -f3)
    redis_url=$(grep -o 'Redis redis://[^,]*' "$log" | head -1 | cut -d' ' -f2)
    # 2. Both alerts become cases opened during this run.
    deadline=$(( $(date +%s) + ALERT_TIMEOUT_S ))
    while [ "$(date +%s)" -lt "$deadline" ] && kill -0 "$demo_pid" 2>/dev/null; do
      [ "$stall_s" = - ] && s=$(opened_after demo-stall "$start_ms") && [ -n "$s" ] && stall_s=$s
      [ "$poster_s" = - ] && s=$(opened_after demo-poster "$start_ms") && [ -n "$s" ] && poster_s=$s
      [ "$stall_s" != - ] && [ "$poster_s" != - ] && break
      sleep 3
    done
    if ! kill -0 "$demo_pid" 2>/dev/null; then
      wait "$demo_pid"; result=CRASH; note="exited $? while running"; demo_pid=
    else
      [ "$stall_s" = - ] || [ "$poster_s" = - ] && { result=FAIL; note="alert missing after ${ALERT_TIMEOUT_S}s"; }
      # 3. One SIGINT stops it: exit 0, keys and temp media removed.
      t0=$(date +%s%3N)
      kill -INT "$demo_pid"
      wait "$demo_pid"; code=$?
      demo_pid=
      stop_s=$(awk "BEGIN{printf \"%.1f\", ($(date +%s%3N) - $t0)/1000}")
      [ "$code" = 0 ] || { result=FAIL; note="$note exit $code after SIGINT"; }
      if [ -n "$prefix" ]; then keys=$($REDIS_CLI -u "${redis_url:-redis://127.0.0.1:6379}" --scan --pattern "$prefix:*" 2>/dev/null | wc -l); else keys=?; fi
      [ "$keys" = 0 ] || { result=FAIL; note="$note keys left under ${prefix:-?}"; }
    fi
  fi
  grep -q 'DroppedSampleError\|Unhandled\|unhandled' "$log" && note="$note (see $log)"
  [ "$result" = ok ] || failed=$((failed + 1))
  printf '%-4s %-8s %-10s %-10s %-10s %-8s %-8s %s\n' "$run" "$result" "$url_s" "$stall_s" "$poster_s" "$stop_s" "$keys" "$note"
done
echo "summary: $((RUNS - failed)) of $RUNS runs ok (crash-free, both alerts, clean stop)"
[ "$failed" = 0 ]
