#!/usr/bin/env bash
# Smoke-test a built bundle: what pytest cannot reach because it needs the frozen app.
#
#   make bundle && bash packaging/smoke_test.sh [BUNDLE_DIR]      (default dist/attribution-workbench)
#   bash .ci/with-keyring.sh bash packaging/smoke_test.sh         (adds the real-keyring round trip)
#
# 1. every bundled library and plugin finds the libraries it links (ldd, Linux);
# 2. `attribution-cli --version` prints the package's version;
# 3. the bundled `attribution-cli sandbox --port 0` starts, and the bundled
#    `attribution-cli send --sandbox URL --event-file F` gets HTTP 200 from it;
# 4. the real keyring through the bundle: `key set/status`, a send with the stored key,
#    `key delete` - inside .ci/with-keyring.sh's throwaway keyring (or with
#    AW_SMOKE_KEYRING=1); skipped otherwise, a failure when AW_REQUIRE_REAL_KEYRING=1;
# 5. the GUI, offscreen: it shows its window, loads every resource through Qt, sends an
#    event to its in-process sandbox and exits 0 (AW_SMOKE_TEST=1: gui/.../smoke.py).
#
# Runs as anyone, without a display. HOME and the XDG dirs point into a temp dir, so
# neither your settings nor your history are touched. Exit status 0 only if all passed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUNDLE="${1:-dist/attribution-workbench}"
CLI="$BUNDLE/attribution-cli"
GUI="$BUNDLE/attribution-workbench"
US_DEMO_KEY=5f0e8a4c2b7d4e1f9a3c6b8d0e2f4a61  # the sandbox's built-in US key (not a secret)
STEP_TIMEOUT=60

passes=0 failures=0 skips=0
pass() { printf 'smoke_test: ok    %s\n' "$*"; passes=$((passes + 1)); }
fail() { printf 'smoke_test: FAIL  %s\n' "$*" >&2; failures=$((failures + 1)); }
skip() { printf 'smoke_test: skip  %s\n' "$*"; skips=$((skips + 1)); }
note() { printf 'smoke_test: %s\n' "$*"; }

if [[ ! -x "$CLI" || ! -x "$GUI" ]]; then
    echo "smoke_test: no bundle in $BUNDLE (expected attribution-cli and attribution-workbench); run: make bundle" >&2
    exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/aw-smoke.XXXXXX")"
sandbox_pid=""
cleanup() {
    if [[ -n "$sandbox_pid" ]]; then
        kill "$sandbox_pid" 2>/dev/null || true
        wait "$sandbox_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# A private home: QSettings, history, keyring config. The keyring's D-Bus session (if any)
# is kept: it is how .ci/with-keyring.sh hands over its throwaway keyring.
export HOME="$work/home"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share"
export XDG_CACHE_HOME="$HOME/.cache" XDG_STATE_HOME="$HOME/.local/state"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME"
if [[ -z "${XDG_RUNTIME_DIR:-}" ]]; then
    export XDG_RUNTIME_DIR="$work/runtime"
    mkdir -m 700 "$XDG_RUNTIME_DIR"
fi
unset AMPLITUDE_API_KEY ATTRIBUTION_SANDBOX_URL PYTHON_KEYRING_BACKEND AW_SMOKE_TEST AW_STARTUP_PROBE

note "bundle $BUNDLE: $(du -sh "$BUNDLE" | cut -f1) on disk"

# --- 1. libraries --------------------------------------------------------------------------
if command -v ldd >/dev/null; then
    missing="$(find "$BUNDLE" -type f \( -name '*.so' -o -name '*.so.*' \) -print0 \
        | xargs -0 -r -n 20 ldd 2>/dev/null | grep 'not found' | sort -u || true)"
    if [[ -z "$missing" ]]; then
        pass "every bundled library finds what it links"
    else
        fail "libraries not found by bundled binaries:"$'\n'"$missing"
    fi
fi

# --- 2. --version ------------------------------------------------------------------------------
expected_version="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' gui/attribution_workbench/__init__.py)"
if version="$(timeout "$STEP_TIMEOUT" "$CLI" --version 2>&1)" \
    && [[ "$version" == "attribution-cli $expected_version" ]]; then
    pass "attribution-cli --version: $version"
else
    fail "attribution-cli --version printed '${version:-}', expected 'attribution-cli $expected_version'"
fi

# --- 3. sandbox + send --------------------------------------------------------------------------
event="$work/event.json"
cat >"$event" <<'EOF'
{"event_type": "[Smoke] Install", "platform": "ios",
 "idfa": "AEBE52E7-03EE-455A-B3C4-E57283966239",
 "user_properties": {"[Smoke] media source": "bundle smoke test"}}
EOF
"$CLI" sandbox --port 0 >"$work/sandbox.out" 2>"$work/sandbox.err" &
sandbox_pid=$!
sandbox_url=""
for _ in $(seq 1 200); do
    sandbox_url="$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$work/sandbox.out")"
    [[ -n "$sandbox_url" ]] && break
    kill -0 "$sandbox_pid" 2>/dev/null || break
    sleep 0.05
done
if [[ -z "$sandbox_url" ]]; then
    fail "the bundled sandbox did not start: $(cat "$work/sandbox.err")"
else
    pass "bundled sandbox listening on $sandbox_url"
    if out="$(AMPLITUDE_API_KEY=$US_DEMO_KEY timeout "$STEP_TIMEOUT" \
        "$CLI" send --sandbox "$sandbox_url" --event-file "$event" --json 2>&1)" \
        && grep -q '"status": 200' <<<"$out"; then
        pass "bundled attribution-cli send --sandbox: HTTP 200"
    else
        fail "bundled attribution-cli send --sandbox did not get 200: $out"
    fi
fi

# --- 4. the real keyring ------------------------------------------------------------------------
# Only on .ci/with-keyring.sh's throwaway keyring (its control dir is an aw-keyring.* temp
# dir) or when asked: elsewhere this would write to the user's own keyring.
if [[ "${GNOME_KEYRING_CONTROL:-}" == */aw-keyring.* || "${AW_SMOKE_KEYRING:-}" == 1 ]]; then
    profile="bundle-smoke-$$"
    key_ok=1
    if ! out="$(printf '%s\n' "$US_DEMO_KEY" \
        | timeout "$STEP_TIMEOUT" "$CLI" key set --region us --profile "$profile" 2>&1)"; then
        key_ok=0; fail "bundled key set: $out"
    fi
    if out="$(timeout "$STEP_TIMEOUT" "$CLI" key status --region us --profile "$profile" 2>&1)" \
        && grep -q "(an OS keyring)" <<<"$out" && grep -q "us (profile $profile): set" <<<"$out"; then
        note "  key status: $(head -1 <<<"$out")"
    else
        key_ok=0; fail "bundled key status after set: $out"
    fi
    if [[ -n "$sandbox_url" ]]; then
        if out="$(timeout "$STEP_TIMEOUT" "$CLI" send --sandbox "$sandbox_url" \
            --profile "$profile" --event-file "$event" --json 2>&1)" \
            && grep -q '"status": 200' <<<"$out"; then
            :
        else
            key_ok=0; fail "bundled send with the keyring's key did not get 200: $out"
        fi
    fi
    if ! out="$(timeout "$STEP_TIMEOUT" "$CLI" key delete --region us --profile "$profile" 2>&1)"; then
        key_ok=0; fail "bundled key delete: $out"
    fi
    if out="$(timeout "$STEP_TIMEOUT" "$CLI" key status --region us --profile "$profile" 2>&1)" \
        && grep -q "us (profile $profile): not set" <<<"$out"; then
        :
    else
        key_ok=0; fail "bundled key status after delete: $out"
    fi
    [[ $key_ok == 1 ]] && pass "real keyring round trip from the bundle: set, status, send, delete"
elif [[ "${AW_REQUIRE_REAL_KEYRING:-}" == 1 ]]; then
    fail "AW_REQUIRE_REAL_KEYRING=1 but not inside .ci/with-keyring.sh (and AW_SMOKE_KEYRING!=1)"
else
    skip "real keyring round trip (run: bash .ci/with-keyring.sh bash packaging/smoke_test.sh)"
fi

# --- 5. the GUI ---------------------------------------------------------------------------------
# The frozen app's own self-test (smoke.py) prints "smoke: ..." lines and exits 0 or 1.
if out="$(AW_SMOKE_TEST=1 QT_QPA_PLATFORM=offscreen PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring \
    timeout "$STEP_TIMEOUT" "$GUI" 2>&1)"; then
    rc=0
else
    rc=$?
fi
grep '^smoke: ' <<<"$out" | sed 's/^/smoke_test:   /' || true
if [[ $rc -eq 0 ]] && grep -q '^smoke: window shown, sent, status 200$' <<<"$out"; then
    pass "frozen GUI offscreen: window shown, resources load, sent, 200, clean exit"
else
    fail "frozen GUI smoke run exited $rc:"$'\n'"$out"
fi

# The summary in the form CI logs are read for.
summary="smoke_test: $passes passed, $failures failed"
[[ $skips -ne 0 ]] && summary+=", $skips skipped"
echo "$summary"
[[ $failures -eq 0 ]]
