#!/usr/bin/env bash
# Run a command inside a private D-Bus session that has a throwaway, unlocked
# gnome-keyring (Secret Service) on it, so the real-keyring tests can run.
#
#   bash .ci/with-keyring.sh make test
#   bash .ci/with-keyring.sh .venv/bin/python -m pytest -m real_keyring
#
# Works as root, without a display and without a TTY (CI). It never touches your own
# keyrings: the daemon keeps its files and control socket in a temp dir that is deleted
# on exit, and it runs on its own session bus, not on your desktop's.
# Needs: dbus-run-session, dbus-send (package dbus), gnome-keyring-daemon (gnome-keyring).
set -euo pipefail

log() { printf 'with-keyring: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [[ $# -eq 0 ]]; then
    echo "usage: bash .ci/with-keyring.sh COMMAND [ARG...]" >&2
    exit 2
fi

if [[ "${_AW_WITH_KEYRING_INNER:-}" != "1" ]]; then
    for tool in dbus-run-session dbus-send dbus-update-activation-environment gnome-keyring-daemon; do
        command -v "$tool" >/dev/null \
            || die "'$tool' not found; install it: apt-get install dbus dbus-x11 gnome-keyring"
    done
    # Re-run this script on a fresh session bus; dbus-run-session tears the bus down (and
    # with it the keyring daemon, which exits when its bus goes away) when we return.
    export _AW_WITH_KEYRING_INNER=1
    exec dbus-run-session -- bash "$0" "$@"
fi
unset _AW_WITH_KEYRING_INNER

bus_call() {
    dbus-send --session --print-reply "$@"
}

tmp="$(mktemp -d "${TMPDIR:-/tmp}/aw-keyring.XXXXXX")"
keyring_pid=""
cleanup() {
    if [[ -n "$keyring_pid" ]]; then kill "$keyring_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -m 700 "$tmp/data" "$tmp/run"

# The daemon stores keyrings under $XDG_DATA_HOME/keyrings. Point it (and anything D-Bus
# might auto-start for org.freedesktop.secrets) at the temp dir, so an existing
# ~/.local/share/keyrings/login.keyring is never opened, created or unlocked here.
dbus-update-activation-environment "XDG_DATA_HOME=$tmp/data" "XDG_RUNTIME_DIR=$tmp/run"

# --unlock reads the login keyring password from stdin and, because no login keyring
# exists yet in the empty data dir, creates one with that password, unlocked, and makes
# it the "default" alias that secretstorage/keyring write to. The password only guards
# a keyring that is deleted on exit, so a fixed value is fine.
log "starting gnome-keyring-daemon (secrets component)"
daemon_env="$(printf '%s' 'aw-throwaway' \
    | XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/run" \
        gnome-keyring-daemon --unlock --daemonize --components=secrets \
        --control-directory="$tmp/run/keyring")" \
    || die "gnome-keyring-daemon failed to start"
# It prints VAR=value lines (GNOME_KEYRING_CONTROL=...); export them like `eval` would.
while IFS= read -r line; do
    if [[ "$line" == *=* ]]; then export "${line?}"; fi
done <<<"$daemon_env"

# --daemonize returns before the daemon owns its bus name; wait for it, so the command
# never races it (and never triggers a second, D-Bus-activated daemon).
for _ in $(seq 1 100); do
    if bus_call --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null \
        | grep -q 'boolean true'; then
        break
    fi
    sleep 0.1
done
keyring_pid="$(bus_call --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets \
    2>/dev/null | awk '/uint32/ {print $2}')" \
    || true
[[ -n "$keyring_pid" ]] || die "the Secret Service did not appear on the session bus within 10 s"

# Self-check: the default collection must exist and be unlocked, or every test would
# fail with a confusing "locked" error (or a prompt that nobody can answer).
default_path="$(bus_call --dest=org.freedesktop.secrets /org/freedesktop/secrets \
    org.freedesktop.Secret.Service.ReadAlias string:default \
    | awk -F'"' '/object path/ {print $2}')"
[[ -n "$default_path" && "$default_path" != "/" ]] \
    || die "the keyring has no default collection (ReadAlias default -> '${default_path}')"
locked="$(bus_call --dest=org.freedesktop.secrets "$default_path" \
    org.freedesktop.DBus.Properties.Get \
    string:org.freedesktop.Secret.Collection string:Locked \
    | awk '/boolean/ {print $3}')"
[[ "$locked" == "false" ]] || die "the default collection $default_path is locked (Locked=$locked)"
log "Secret Service ready: pid $keyring_pid, default collection $default_path, unlocked"

# Not exec: the trap must still run to stop the daemon and delete the temp keyrings.
set +e
"$@"
rc=$?
set -e
log "command exited with status $rc"
exit "$rc"
