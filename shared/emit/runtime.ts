/**
 * The fixed part of up.sh and down.sh: bash functions that take plan data only as arguments (quoted at the call
 * site by shellQuote), never as script text. No plan data is interpolated here.
 */

import { GATED_HOLDER_ARGV, GATED_HOLDER_COMMAND, HOLDER_COMMAND } from '../compiler/enter';
import { shellLine } from './quote';

/** The holder's own argv, once unshare has exec'd it, as bash words. */
const HOLDER_WORDS = shellLine(HOLDER_COMMAND);
/** The holder's argv while it waits at its gate (before up.sh has recorded it), as bash words. */
const GATE_WORDS = shellLine(GATED_HOLDER_COMMAND);

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
# True when pid $1 runs exactly the argv $2… that was started: /proc/PID/cmdline holds the same bytes, except NULs a
# program wrote into its own argv (slirpvde splits "-H net/len" in place). Never a reused pid running another program.
runs_argv() {
  local pid=$1 have want diffs st line
  shift
  alive "$pid" || return 1
  have=$(wc -c <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  want=$(printf '%s\\0' "$@" | wc -c)
  [ "$have" -eq "$want" ] || return 1
  st=0
  diffs=$(cmp -l -- <(printf '%s\\0' "$@") "/proc/$pid/cmdline" 2>/dev/null) || st=$?
  [ "$st" -le 1 ] || return 1
  while read -r line; do
    [ -z "$line" ] || [ "\${line##* }" = 0 ] || return 1
  done <<<"$diffs"
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
# say_socket LABEL PATH: where a socket is, and the socat command that attaches to it (quoted for a shell).
say_socket() {
  local attach
  printf -v attach '%q ' socat - "UNIX-CONNECT:$2"
  say "$1 $2"
  say "    attach: \${attach% }"
}
# say_resume QMP: how to resume a paused guest over its QMP socket.
say_resume() {
  local attach
  printf -v attach '%q ' socat - "UNIX-CONNECT:$1"
  say "  paused; resume with: printf '%s\\n' '{\\"execute\\":\\"qmp_capabilities\\"}' '{\\"execute\\":\\"cont\\"}' | \${attach% }"
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
# Send TERM to a process of this lab: label, the function that knows its argv, then the pidfiles that may hold its pid.
stop_proc() {
  local label=$1 ours=$2 f pid
  shift 2
  for f in "$@"; do
    pid=$(read_pid "$f") || continue
    "$ours" "$pid" || continue
    if [[ " \${STOP_PIDS[*]} " == *" $pid "* ]]; then continue; fi
    say "stopping $label (pid $pid)"
    "\${PROC_AS[@]}" kill -TERM "$pid" 2>/dev/null || true
    STOP_PIDS+=("$pid")
  done
}
# KILL every process the recognizer (is_proc_N) says runs the lab's argv: forks left by a process already stopped.
stop_strays() {
  local label=$1 ours=$2 program=$3 d pid first
  for d in /proc/[0-9]*; do
    pid=\${d#/proc/}
    # Only processes of this program are asked the (costlier) exact-argv question.
    first=
    IFS= read -r -d '' first <"$d/cmdline" 2>/dev/null || true
    [ "$first" = "$program" ] || continue
    "$ours" "$pid" || continue
    warn "a process of $label (pid $pid) outlived it: sending KILL"
    "\${PROC_AS[@]}" kill -KILL "$pid" 2>/dev/null || true
    STOP_PIDS+=("$pid")
  done
  stop_wait
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
 * The journal: up.sh appends "begin TOKEN" before a host step runs, then "done TOKEN" after it succeeded or
 * "failed TOKEN" after it failed. Undo walks it backwards and undoes only done steps: a failed step made nothing (a
 * create that finds its name taken fails, and that name is someone else's), and a step begun but never settled
 * (up.sh was killed) may name something that existed before, so it is reported, with its undo, and left alone.
 */
const JOURNAL = `journal() { printf '%s %s\\n' "$1" "$2" >>"$JOURNAL"; }
undo_journal() {
  local line tok i st rc=0
  local -a toks=() kept=()
  local -A status=()
  [ -e "$JOURNAL" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    [[ $line =~ ^(begin|done|failed)\\ ([a-z0-9_]+)$ ]] || continue
    tok=\${BASH_REMATCH[2]}
    if [ -z "\${status[$tok]+set}" ]; then toks+=("$tok"); fi
    case \${BASH_REMATCH[1]} in
      begin) status[$tok]=\${status[$tok]:-begun} ;;
      *) if [ "\${status[$tok]}" = begun ]; then status[$tok]=\${BASH_REMATCH[1]}; fi ;;
    esac
  done <"$JOURNAL"
  for ((i = \${#toks[@]} - 1; i >= 0; i--)); do
    tok=\${toks[i]}
    case \${status[$tok]} in
      done) ;;
      begun) undo_hint "$tok"; continue ;;
      *) continue ;;
    esac
    st=0
    undo_step "$tok" || st=$?
    if [ "$st" -eq 0 ]; then continue; fi
    if [ "$st" -ne 3 ]; then
      warn "that undo failed (exit $st); run this script again once the cause is fixed"
      kept=("$tok" "\${kept[@]}")
    fi
    rc=1
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
/**
 * The state directory, picked when the script runs, so an exported lab runs for another user on another machine:
 * `<base>/$LAB` where base is --state-dir, $QNET_STATE_DIR, the exported one when it is the runner's, else the
 * runner's default as qnet picks it. Its socket paths must still fit QEMU's 107 bytes.
 */
const LOCATE = `# True when directory $1 is this user's (or, missing, could be made in a directory of this user's).
own_base() {
  [ -n "$1" ] || return 1
  if [ -e "$1" ]; then [ -d "$1" ] && [ -O "$1" ]; else [ -d "$(dirname -- "$1")" ] && [ -O "$(dirname -- "$1")" ]; fi
}
# Set STATE and JOURNAL: base $1 (--state-dir), else as described above ($2 the exported base; $3 the most bytes a
# socket path of the lab adds to STATE).
locate_state() {
  local base=$1 bytes
  if [ -z "$base" ]; then base=\${QNET_STATE_DIR:-}; fi
  if [ -z "$base" ] && own_base "$2"; then base=$2; fi
  if [ -z "$base" ]; then
    if is_root; then base=/run/qnet
    elif [ -n "\${XDG_RUNTIME_DIR:-}" ]; then base=$XDG_RUNTIME_DIR/qnet
    elif [ -n "\${HOME:-}" ]; then base=$HOME/.qnet
    else fail "no state directory: pass --state-dir DIR (or set QNET_STATE_DIR)"; fi
  fi
  case "$base" in
    /*) ;;
    *) fail "the state directory $base is not an absolute path: pass --state-dir with one" ;;
  esac
  case "$base" in
    *,*) fail "the state directory $base has a comma, which QEMU's options cannot carry in a socket path: pass --state-dir with another" ;;
  esac
  while [ "\${base%/}" != "$base" ]; do base=\${base%/}; done
  printf -v STATE '%s/%s' "$base" "$LAB"
  printf -v JOURNAL '%s/up.journal' "$STATE"
  bytes=$(printf '%s' "$STATE" | LC_ALL=C wc -c)
  if [ $((bytes + $3)) -gt 107 ]; then
    fail "the state directory $STATE is too long for the lab's socket paths (QEMU takes 107 bytes; at most $((107 - $3)) for it): pass --state-dir with a shorter one"
  fi
}
`;

export const RUNTIME = BASICS + STOPPING + JOURNAL + LOCATE;

/** up.sh only: its state directory, names free, waiting for readiness, and the rollback on failure. */
export const UP_RUNTIME = `# Make state directory $1 (0700) and refuse it unless it is this user's alone: owned by the user and writable by
# nobody else, its real path (no symlink someone could swap), below directories of root's or the user's that nobody
# else can write (unless sticky, like /tmp). Whoever could write there could plant pidfiles, sockets and symlinks.
private_dir() {
  local dir=$1 real me d st uid mode
  me=$(id -u)
  mkdir -p -m 700 -- "$dir" || fail "cannot create the state directory $dir"
  real=$(cd -P -- "$dir" && pwd) || fail "cannot enter the state directory $dir"
  if [ "$real" != "$dir" ]; then fail "the state directory $dir is reached through a symlink (its real path is $real): pass --state-dir with its real path"; fi
  d=$dir
  while :; do
    st=$(stat -c '%u %a' -- "$d") || fail "cannot read $d"
    uid=\${st%% *}
    mode=\${st#* }
    if [ "$d" = "$dir" ]; then
      if [ "$uid" != "$me" ]; then fail "the state directory $dir belongs to uid $uid, not to you (uid $me): use a directory of your own"; fi
      if (( (8#$mode & 8#022) != 0 )); then fail "the state directory $dir is writable by others (mode $mode): chmod 700 $dir"; fi
    else
      if [ "$uid" != 0 ] && [ "$uid" != "$me" ]; then fail "$d, above the state directory $dir, belongs to uid $uid: use a directory of your own"; fi
      if (( (8#$mode & 8#022) != 0 && (8#$mode & 8#1000) == 0 )); then fail "$d, above the state directory $dir, is writable by others (mode $mode): use a directory of your own"; fi
    fi
    if [ "$d" = / ]; then break; fi
    d=$(dirname -- "$d")
  done
}
# Refuse to create interface $2 (a $1) when one has that name: it is not this lab's, and must survive a rollback.
link_free() {
  if ip link show dev "$2" >/dev/null 2>&1; then
    fail "$1 $2 already exists on this host: rename it in the topology, or remove it (ip link del $2) if it is left from this lab"
  fi
}
# Refuse to create network namespace $1 when it exists (another run of this lab may be using it).
netns_free() {
  if [ -e "/run/netns/$1" ]; then fail "network namespace $1 already exists (another run of this lab?): run down.sh, or ip netns del $1 if no lab uses it"; fi
}
# Refuse an uplink $1 that is missing or already in a bridge (taking it would take it from there for good).
uplink_free() {
  local line
  line=$(ip -o link show dev "$1" 2>/dev/null) || fail "the uplink $1 is not an interface of this host"
  if [[ $line == *" master "* ]]; then fail "the uplink $1 is already in a bridge: use another interface, or take it out first (ip link set $1 nomaster)"; fi
}
# Remove a stale file left by an earlier run (a socket whose existence would pass for readiness).
remove_stale() {
  if [ -e "$1" ]; then "\${PROC_AS[@]}" rm -f -- "$1"; fi
}
# Which file is at path $1 (inode and change time), or nothing: a file there before a start is not its readiness.
path_id() { "\${PROC_AS[@]}" stat -c '%d:%i:%z' -- "$1" 2>/dev/null || true; }
declare -A READY_BEFORE=()
ready_before() { READY_BEFORE[$1]=$(path_id "$1"); }
# Wait until a new file is at path $2 (process label $1, job pidfile $3, log $4): 0.1 s steps, up to 30 s.
wait_path() {
  local pid i id
  pid=$(read_pid "$3") || fail "$1 has no pid"
  for ((i = 0; i < 300; i++)); do
    if [ -e "$2" ]; then
      id=$(path_id "$2")
      if [ "$id" != "\${READY_BEFORE[$2]:-}" ]; then return 0; fi
    fi
    if ! alive "$pid"; then
      show_log "$4"
      fail "$1 exited before it was ready (no new $2)"
    fi
    sleep 0.1
  done
  show_log "$4"
  fail "$1 was not ready after 30 s (no new $2)"
}
# port_free NODE HOST PORT: refuse, before anything starts, a console port some program already listens on: its
# clients would type into that program, not into NODE's console.
port_free() {
  if ss -Hltn "sport = :$3" 2>/dev/null | grep -q .; then
    fail "$1: its console TCP port $2:$3 is taken: another program already listens on port $3; stop it or give $1 another console port"
  fi
}
# listens_as PID HOST PORT: true when the listener on HOST:PORT is PID, or, when PROC_AS is sudo, a process under
# it (sudo forks, twice with use_pty). ss -p shows pids only to their owner, so it runs as the relay does.
listens_as() {
  local line p i
  line=$("\${PROC_AS[@]}" ss -Hltnp "sport = :$3" 2>/dev/null | grep -F -- " $2:$3 ") || return 1
  for p in $(grep -o 'pid=[0-9]*' <<<"$line" | cut -d= -f2); do
    for ((i = 0; i < 3; i++)); do
      if [ "$p" = "$1" ]; then return 0; fi
      [ "\${#PROC_AS[@]}" -gt 0 ] || break
      p=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$p/status" 2>/dev/null) || break
    done
  done
  return 1
}
# wait_listen LABEL HOST PORT PIDFILE LOG: wait until LABEL (a console relay), and no other program, listens on
# HOST:PORT; fail when it exits first (the port taken) or after 10 s.
wait_listen() {
  local pid i
  pid=$(read_pid "$4") || fail "$1 has no pid"
  for ((i = 0; i < 100; i++)); do
    if ! alive "$pid"; then
      show_log "$5"
      fail "$1 exited before it listened on $2:$3 (is the port taken?)"
    fi
    if listens_as "$pid" "$2" "$3"; then return 0; fi
    sleep 0.1
  done
  show_log "$5"
  fail "$1 (pid $pid) was not the program listening on $2:$3 after 10 s"
}
# Refuse to start switch $1 in directory $2 where a live VDE switch listens: that directory is another switch's.
switch_free() {
  [ -S "$2/ctl" ] || return 0
  if ! command -v vde_plug >/dev/null 2>&1; then
    fail "$1: $2/ctl exists, and without vde_plug (package vdeplug) up.sh cannot tell a live switch from a stale socket: remove it if no switch runs there"
  fi
  if "\${PROC_AS[@]}" vde_plug "$2" </dev/null >/dev/null 2>&1; then
    fail "$1: another VDE switch already runs at $2 (its ctl socket answers): give this switch a directory of its own, or stop that one"
  fi
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
# Refuse to start over a lab that is (partly) up: label $1, the function that knows its argv $2, pidfile $3.
refuse_running() {
  local pid
  if pid=$(read_pid "$3") && "$2" "$pid"; then fail "$1 is already running (pid $pid): run down.sh first"; fi
}
# find_guest ARCH KERNEL INITRD EXPORTED: FOUND is the directory that holds the tiny guest's kernel and initramfs
# for ARCH: $QNET_GUEST_DIR/ARCH, guest/ARCH beside this script, the user's cache (where "qnet guest build" puts
# them), or the exporter's directory EXPORTED when it is this user's (never another user's).
find_guest() {
  local dir here owner tried=()
  here=$(cd -P -- "$(dirname -- "$0")" && pwd) || here=.
  for dir in \${QNET_GUEST_DIR:+"$QNET_GUEST_DIR/$1"} "$here/guest/$1" "\${XDG_CACHE_HOME:-\${HOME:-/nonexistent}/.cache}/qnet/guest/$1" "$4"; do
    if [ "$dir" = "$4" ]; then
      owner=$(stat -c %u -- "$dir" 2>/dev/null) || owner=
      if [ "$owner" != "$(id -u)" ]; then tried+=("$dir"); continue; fi
    fi
    if [ -f "$dir/$2" ] && [ -r "$dir/$2" ] && [ -f "$dir/$3" ] && [ -r "$dir/$3" ]; then
      FOUND=$(cd -P -- "$dir" && pwd) && return 0
    fi
    tried+=("$dir")
  done
  warn "the tiny guest for $1 ($2 and $3) is in none of: \${tried[*]}"
  warn "  build it, as the user who runs up.sh (no root needed), with Qnet Studio: npx qnet guest build --arch $1"
  warn "  or set QNET_GUEST_DIR to a directory that holds $1/$2 and $1/$3"
  MISSING=1
  return 1
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

/**
 * A rootless lab's namespace (isolation userns), in up.sh and down.sh: `unshare` makes a user + network namespace
 * and execs its holder, `sleep infinity`, in it; every step and process enters it through the holder's pid
 * (nsenter), and it ends, with everything made in it, when the holder and they end. The holder's pid and namespace
 * are kept in $STATE/userns.holder, so down.sh ends exactly that holder and never another process.
 */
export const USERNS_RUNTIME = `HOLDER=
HOLDER_NET=
# pasta started by root drops to nobody, who may not enter a namespace root owns: root keeps it root.
JOIN_AS=()
if is_root; then JOIN_AS=(--runas 0); fi
holder_file() { printf '%s/userns.holder' "$STATE"; }
# True when pid $1 is the holder recorded with network namespace $2: this user's, running exactly
# "sleep infinity" (or still at its gate), in that namespace (a reused pid, or another lab's holder, is never it).
is_holder() {
  local net
  [ "$(stat -c %u -- "/proc/$1" 2>/dev/null)" = "$(id -u)" ] || return 1
  runs_argv "$1" ${HOLDER_WORDS} || runs_argv "$1" ${GATE_WORDS} || return 1
  net=$(readlink -- "/proc/$1/ns/net" 2>/dev/null) || return 1
  [ "$net" = "$2" ]
}
# Set HOLDER (the pid the lab's commands name) and HOLDER_NET from the record; false when there is none.
read_holder() {
  local file line=
  file=$(holder_file)
  [ -e "$file" ] || return 1
  IFS= read -r line <"$file" || true
  if ! [[ $line =~ ^([0-9]+)\\ (net:\\[[0-9]+\\])$ ]]; then
    warn "$file is not a record of this lab's namespace holder: left alone"
    return 1
  fi
  HOLDER=\${BASH_REMATCH[1]}
  HOLDER_NET=\${BASH_REMATCH[2]}
}
# start_holder LOG: make the lab's namespace and record its holder once it sits in a namespace of its own. The
# holder waits at its gate, reading a pipe only up.sh writes to, until it is recorded: should up.sh die before, the
# pipe closes unread and the holder ends itself, so no holder outlives up.sh unrecorded.
start_holder() {
  local pid net host i gate sent
  host=$(readlink -- /proc/self/ns/net)
  say "making the lab's user and network namespace (no root needed)"
  exec {gate}> >(exec ${shellLine(GATED_HOLDER_ARGV)} >/dev/null 2>>"$1")
  pid=$!
  for ((i = 0; i < 200; i++)); do
    net=$(readlink -- "/proc/$pid/ns/net" 2>/dev/null) || net=
    if [ -n "$net" ] && [ "$net" != "$host" ] && runs_argv "$pid" ${GATE_WORDS}; then
      printf '%s %s\\n' "$pid" "$net" >"$(holder_file)"
      HOLDER=$pid
      HOLDER_NET=$net
      # Recorded: open the gate; the holder execs its command (same pid) and outlives up.sh from here on. A holder
      # that ended meanwhile closed the pipe: with SIGPIPE ignored the write fails, and up.sh rolls back.
      trap '' PIPE
      sent=0
      printf 'go\\n' >&"$gate" 2>/dev/null || sent=$?
      trap - PIPE
      exec {gate}>&-
      if [ "$sent" -ne 0 ]; then
        show_log "$1"
        fail "the lab's namespace holder (pid $pid) ended before up.sh let it through its gate"
      fi
      for ((i = 0; i < 200; i++)); do
        if runs_argv "$pid" ${HOLDER_WORDS}; then
          say "  held by pid $pid ($net)"
          return 0
        fi
        alive "$pid" || break
        sleep 0.05
      done
      show_log "$1"
      fail "the lab's namespace holder (pid $pid) did not start ${HOLDER_WORDS}"
    fi
    alive "$pid" || break
    sleep 0.05
  done
  # Closing the gate unread ends the holder; KILL it too in case it is not at its gate yet.
  exec {gate}>&-
  kill -KILL "$pid" 2>/dev/null || true
  show_log "$1"
  warn "unprivileged user namespaces may be disabled here: see sysctl user.max_user_namespaces,"
  warn "kernel.unprivileged_userns_clone (Debian) and kernel.apparmor_restrict_unprivileged_userns (Ubuntu);"
  warn "or export the lab with --isolation netns and run up.sh as root"
  fail "cannot make the lab's user namespace (unshare --user --map-root-user --net)"
}
# End the recorded holder, and with it the namespace and all in it; false when it outlives KILL.
stop_holder() {
  local i
  if [ -n "$HOLDER" ] && [ -n "$HOLDER_NET" ] && is_holder "$HOLDER" "$HOLDER_NET"; then
    say "ending the lab's namespace (holder pid $HOLDER)"
    kill -KILL "$HOLDER" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      alive "$HOLDER" || break
      sleep 0.1
    done
    if alive "$HOLDER"; then
      warn "the lab's namespace holder (pid $HOLDER) did not end"
      return 1
    fi
  fi
  rm -f -- "$(holder_file)"
}
`;
