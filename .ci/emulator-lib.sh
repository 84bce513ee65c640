# Shared by the emulator gates (.ci/ministack, .ci/localstack, .ci/aws-ses-v2-local):
# a free loopback port, start a server and remember its PID, wait for its health URL,
# refuse a server that listens beyond 127.0.0.1, run `sesconf run` judged by an
# expectations file, print the rules that failed, and stop the server by its PID.
# Sourced, not run. The caller sets GATE (its name, for messages) and PYTHON.

CACHE_DIR=${SESCONF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sesconf}
SERVER_PID=""
SERVER_LOG=""

say() { echo "$GATE: $*"; }
die() {
    echo "$GATE: $1" >&2
    exit "${2:-2}"
}

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server LOG_NAME COMMAND...: run COMMAND in the background (environment as set by
# the caller), its output in a temporary log; SERVER_PID is its process id.
start_server() {
    SERVER_LOG=$(mktemp -t "$1.XXXXXX.log")
    shift
    "$@" >"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
}

# stop_server: TERM the server by its PID, KILL it after 15 s; keep nothing behind.
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        local waited=0
        while kill -0 "$SERVER_PID" 2>/dev/null && ((waited < 150)); do
            sleep 0.1
            waited=$((waited + 1))
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            kill -KILL "$SERVER_PID" 2>/dev/null || true
        fi
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
    if [ -n "$SERVER_LOG" ]; then
        rm -f "$SERVER_LOG"
    fi
    SERVER_LOG=""
}

# wait_health URL SECONDS: until URL answers 2xx; exit 3 (with the server's log) when the
# server died or did not answer in time.
wait_health() {
    local url=$1 deadline=$((SECONDS + $2))
    until "$PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
            "$url" >/dev/null 2>&1; do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "$GATE: the server exited before answering at $url:" >&2
            tail -n 40 "$SERVER_LOG" >&2
            exit 3
        fi
        if ((SECONDS >= deadline)); then
            echo "$GATE: no answer at $url within $2 s; the server's log ends:" >&2
            tail -n 40 "$SERVER_LOG" >&2
            exit 3
        fi
        sleep 0.25
    done
}

# loopback_only: every TCP/UDP socket the server listens on is on 127.0.0.1 (checked with
# `ss` where there is one): an emulator started with the wrong settings is stopped at once.
loopback_only() {
    command -v ss >/dev/null 2>&1 || return 0
    local wide
    wide=$(ss -H -lntup 2>/dev/null | grep "pid=$SERVER_PID," | awk '{print $5}' |
        grep -v -E '^(127\.[0-9.]+|\[::1\]|\[::ffff:127\.[0-9.]+\]):[0-9]+$' || true)
    if [ -n "$wide" ]; then
        echo "$GATE: the server listens beyond loopback ($(echo "$wide" | tr '\n' ' ')); stopped" >&2
        exit 3
    fi
}

# run_gate TARGET PROTOCOL URL [SESCONF_RUN_ARGS...]: one judged run into
# reports/TARGET-PROTOCOL; prints the failed set; returns sesconf's exit code.
run_gate() {
    local target=$1 protocol=$2 url=$3
    shift 3
    local expectations="conformance/expectations/${target}-${protocol}.toml"
    local report="reports/${target}-${protocol}"
    local started=$SECONDS rc=0
    say "sesconf run --target $target --protocol $protocol $* (output: $report.log)"
    "$PYTHON" -m conformance run --target "$target" --url "$url" --protocol "$protocol" \
        --expectations "$expectations" --report-dir "$report" --quiet "$@" \
        >"$report.log" 2>&1 || rc=$?
    # the verdict and the expectations' lines (new failures, unexpected passes) in full
    grep -E '^(sesconf:|expectations:|unexpected|unconfirmed|not selected)' \
        "$report.log" || tail -n 20 "$report.log"
    print_failed "$report/summary.json"
    say "$protocol exit $rc in $((SECONDS - started)) s (report: $report/index.html)"
    return "$rc"
}

# print_failed SUMMARY: the rules the run failed, one a line with the first reason, so an
# expectations file can be re-derived from the output alone.
print_failed() {
    "$PYTHON" - "$1" <<'EOF' || true
import json, sys
try:
    summary = json.load(open(sys.argv[1], encoding="utf-8"))
except (OSError, ValueError) as exc:
    sys.exit(f"  (no summary: {exc})")
rules = summary.get("rules") or []
failed = [r for r in rules if r.get("outcome") in ("fail", "non-strict")]
print(f"  failed ({len(failed)}): {' '.join(r['id'] for r in failed) or '-'}")
for r in failed:
    reason = (r.get("reason") or "").splitlines()[0][:160] if r.get("reason") else ""
    print(f"    {r['id']} [{r['outcome']}]: {reason}")
other = [f"{r['id']}={r['outcome']}" for r in rules if r.get("outcome") in ("skip", "broken")]
print(f"  skipped or broken: {' '.join(other) or '-'}")
EOF
}
