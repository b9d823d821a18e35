/**
 * The fixed part of up.sh and down.sh: bash functions that take plan data only as arguments (quoted at the call
 * site by shellQuote), never as script text. No plan data is interpolated here.
 */

/** Messages, privilege, process probes and pidfiles. */
const BASICS = `say() { printf 'qnet: %s\\n' "$*"; }
warn() { printf 'qnet: %s\\n' "$*" >&2; }
fail() { warn "error: $*"; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }
# Run a command as root: directly when root, else through sudo.
as_root() { if is_root; then "$@"; else sudo -- "$@"; fi; }
# True when pid $1 is running (a zombie counts as gone).
alive() {
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=\${stat##*") "}
  [ "\${stat%% *}" != Z ]
}
# True when pid $1 runs a program named $2 (guards against a pid reused since its pidfile was written).
is_ours() {
  local want=\${2##*/} arg
  local -a args=()
  alive "$1" || return 1
  mapfile -d '' -t args 2>/dev/null <"/proc/$1/cmdline" || return 1
  for arg in "\${args[@]}"; do
    if [ "\${arg##*/}" = "$want" ]; then return 0; fi
  done
  return 1
}
# Print the pid stored in pidfile $1; false when there is none.
read_pid() {
  local pid
  [ -e "$1" ] || return 1
  # Our own pidfiles are readable; QEMU's, written by root in a netns lab, are mode 0600.
  pid=$(cat -- "$1" 2>/dev/null) || pid=$("\${PROC_AS[@]}" cat -- "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  printf '%s' "$pid"
}
# Print the last lines of log $1 to stderr.
show_log() {
  if [ -s "$1" ]; then
    warn "last lines of $1:"
    tail -n 20 -- "$1" >&2 || true
  fi
}
`;

/** Stopping processes: TERM to all, then wait, then KILL what is left. */
const STOPPING = `STOP_PIDS=()
# Send TERM to a process of this lab: label, program name, then the pidfiles that may hold its pid.
stop_proc() {
  local label=$1 name=$2 f pid
  shift 2
  for f in "$@"; do
    pid=$(read_pid "$f") || continue
    is_ours "$pid" "$name" || continue
    if [[ " \${STOP_PIDS[*]} " == *" $pid "* ]]; then continue; fi
    say "stopping $label (pid $pid)"
    "\${PROC_AS[@]}" kill -TERM "$pid" 2>/dev/null || true
    STOP_PIDS+=("$pid")
  done
}
# True when one of STOP_PIDS is still running.
any_alive() {
  local pid
  for pid in "\${STOP_PIDS[@]}"; do
    if alive "$pid"; then return 0; fi
  done
  return 1
}
# Wait up to 10 s for the processes sent TERM to exit, then KILL the rest; false when one survives.
stop_wait() {
  local i pid
  for ((i = 0; i < 100; i++)); do
    any_alive || { STOP_PIDS=(); return 0; }
    sleep 0.1
  done
  for pid in "\${STOP_PIDS[@]}"; do
    if alive "$pid"; then
      warn "pid $pid did not stop within 10 s: sending KILL"
      "\${PROC_AS[@]}" kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  for ((i = 0; i < 20; i++)); do
    any_alive || { STOP_PIDS=(); return 0; }
    sleep 0.1
  done
  warn "some processes of this lab are still running: \${STOP_PIDS[*]}"
  STOP_PIDS=()
  return 1
}
`;

/**
 * The journal: up.sh appends "begin TOKEN" before a host step runs and "done TOKEN" after it succeeded. Undo walks
 * it backwards: a done step must be undone; a begun-only step failed half-way, so its undo is tried and may fail.
 */
const JOURNAL = `journal() { printf '%s %s\\n' "$1" "$2" >>"$JOURNAL"; }
undo_journal() {
  local line tok i st rc=0
  local -a toks=() kept=()
  local -A status=()
  [ -e "$JOURNAL" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    [[ $line =~ ^(begin|done)\\ ([a-z0-9_]+)$ ]] || continue
    tok=\${BASH_REMATCH[2]}
    if [ -z "\${status[$tok]+set}" ]; then toks+=("$tok"); fi
    if [ "\${BASH_REMATCH[1]}" = done ]; then status[$tok]=done; else status[$tok]=\${status[$tok]:-begun}; fi
  done <"$JOURNAL"
  for ((i = \${#toks[@]} - 1; i >= 0; i--)); do
    tok=\${toks[i]}
    st=0
    undo_step "$tok" || st=$?
    if [ "$st" -eq 0 ]; then continue; fi
    if [ "$st" -eq 3 ]; then rc=1; continue; fi
    if [ "\${status[$tok]}" = begun ]; then
      warn "that undo failed (exit $st); the step itself had failed, so there may be nothing to undo"
    else
      warn "that undo failed (exit $st); run this script again once the cause is fixed"
      kept=("$tok" "\${kept[@]}")
      rc=1
    fi
  done
  if [ "\${#kept[@]}" -eq 0 ]; then
    rm -f -- "$JOURNAL"
  else
    printf 'done %s\\n' "\${kept[@]}" >"$JOURNAL"
  fi
  return "$rc"
}
`;

/** Bash functions shared by up.sh and down.sh (after the variables, before the plan's own functions). */
export const RUNTIME = BASICS + STOPPING + JOURNAL;

/** up.sh only: waiting for readiness and the rollback on failure. */
export const UP_RUNTIME = `# Remove a stale file left by an earlier run (a socket whose existence would pass for readiness).
remove_stale() {
  if [ -e "$1" ]; then "\${PROC_AS[@]}" rm -f -- "$1"; fi
}
# Wait until path $2 exists (process label $1, job pidfile $3, log $4): 0.1 s steps, up to 30 s.
wait_path() {
  local pid i
  pid=$(read_pid "$3") || fail "$1 has no pid"
  for ((i = 0; i < 300; i++)); do
    if [ -e "$2" ]; then return 0; fi
    if ! alive "$pid"; then
      show_log "$4"
      fail "$1 exited before it was ready (no $2)"
    fi
    sleep 0.1
  done
  show_log "$4"
  fail "$1 was not ready after 30 s (no $2)"
}
# Fail unless the process of job pidfile $2 is still running (label $1, log $3).
check_alive() {
  local pid
  pid=$(read_pid "$2") || fail "$1 has no pid"
  if ! alive "$pid"; then
    show_log "$3"
    fail "$1 exited"
  fi
}
# Refuse to start over a lab that is (partly) up: label $1, program $2, pidfile $3.
refuse_running() {
  local pid
  if pid=$(read_pid "$3") && is_ours "$pid" "$2"; then fail "$1 is already running (pid $pid): run down.sh first"; fi
}
UP_OK=0
on_exit() {
  local rc=$?
  if [ "$UP_OK" -eq 1 ]; then return 0; fi
  if [ "$rc" -eq 0 ]; then rc=1; fi
  set +e
  trap - INT TERM
  warn "up.sh failed (exit $rc): undoing what it did"
  if teardown; then warn "rolled back: nothing of this lab is left"; else warn "rollback incomplete: see above, then run down.sh"; fi
  exit "$rc"
}
`;
