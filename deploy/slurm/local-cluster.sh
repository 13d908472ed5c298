#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for trying deploy/slurm and for its test (LocalSlurmClusterTests):
# munged, slurmctld and slurmd on 127.0.0.1, started directly (no systemd), every file in one folder.
#   deploy/slurm/local-cluster.sh [start]   install what is missing, write the config, start the daemons, wait
#                                           until the node is idle; does nothing that is already done
#   deploy/slurm/local-cluster.sh stop      stop the daemons this script started (by the ids in their pid files)
#   deploy/slurm/local-cluster.sh status    exit 0 when the node answers, else 1
# Then point Slurm's commands at its config: export SLURM_CONF=<folder>/slurm.conf (start prints it).
# Environment:
#   RETRAIN_SLURM_DIR       the folder (default: $TMPDIR or /tmp, then retrain-slurm-<uid>, one per user); it must be
#                           a real folder owned by whoever runs this, not a link (it holds the munge key)
#   RETRAIN_SLURMCTLD_PORT  slurmctld's and slurmd's ports on 127.0.0.1 (default: the ones the folder's slurm.conf
#   RETRAIN_SLURMD_PORT     has, else Slurm's 6817 and 6818 when free, else the next free pair above them, so a Slurm
#                           already running on this machine is never reached or disturbed)
# Installing needs root and apt-get (Debian's slurm-wlm and munge); everything else runs as whoever runs this, so the
# jobs run as that user too.
# Exit codes: 0 done, 2 usage (an unknown command, a bad port, an unsafe folder), 3 missing packages that cannot be
# installed here, 4 a daemon did not start.
set -euo pipefail

usage() {
  echo "usage: deploy/slurm/local-cluster.sh [start|stop|status]" \
    "(environment: RETRAIN_SLURM_DIR, RETRAIN_SLURMCTLD_PORT, RETRAIN_SLURMD_PORT)" >&2
  exit 2
}

dir="${RETRAIN_SLURM_DIR:-${TMPDIR:-/tmp}/retrain-slurm-$(id -u)}"
conf="$dir/slurm.conf"
packages=(slurm-wlm munge)
commands=(munged mungekey slurmctld slurmd sbatch sinfo squeue scontrol)
# Debian puts the daemons in /usr/sbin, which a non-login shell may not have on PATH.
export PATH="$PATH:/usr/sbin:/sbin"
export SLURM_CONF="$conf"

say() { echo "local-cluster: $*" >&2; }

missing_commands() {
  local c
  for c in "${commands[@]}"; do
    command -v "$c" > /dev/null 2>&1 || echo "$c"
  done
}

install() {
  [ -z "$(missing_commands)" ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null 2>&1; then
    say "missing $(missing_commands | tr '\n' ' ')and cannot install them here (needs root and apt-get):" \
      "install Debian's ${packages[*]}, or run this as root"
    exit 3
  fi
  say "installing ${packages[*]} with apt-get"
  # --no-install-recommends: the daemons and the client commands, without the mail and X11 extras (9 packages, not 43).
  DEBIAN_FRONTEND=noninteractive apt-get update -qq > "$dir/apt.log" 2>&1 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >> "$dir/apt.log" 2>&1 ||
    { say "apt-get failed; its output is in $dir/apt.log:"; tail -20 "$dir/apt.log" >&2; exit 3; }
  if [ -n "$(missing_commands)" ]; then
    say "installed ${packages[*]}, but still missing: $(missing_commands | tr '\n' ' ')"
    exit 3
  fi
}

# Alive when its pid file names a running process.
running() {
  local pidfile="$dir/run/$1.pid" pid
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile" 2> /dev/null)"
  [ -n "$pid" ] && kill -0 "$pid" 2> /dev/null
}

# Refuses a folder another user could have prepared: it will hold the munge key and the daemons' pid files.
check_dir() {
  if [ -L "$dir" ]; then
    say "RETRAIN_SLURM_DIR '$dir' is a symbolic link; give a real folder (or none, for the default)"
    exit 2
  fi
  if [ -e "$dir" ] && { [ ! -d "$dir" ] || [ ! -O "$dir" ]; }; then
    say "RETRAIN_SLURM_DIR '$dir' exists but is not a folder owned by $(id -un); give another folder (or remove it)"
    exit 2
  fi
}

# A port number from the environment, or nothing; exit 2 naming the variable when it is not one.
port_from() {
  local name="$1" value="${!1:-}"
  [ -z "$value" ] && return 0
  if ! [[ "$value" =~ ^[0-9]+$ ]] || [ "$value" -lt 1024 ] || [ "$value" -gt 65535 ]; then
    say "$name must be a port number from 1024 to 65535 (got '$value')"
    exit 2
  fi
  echo "$value"
}

# What slurm.conf in the folder says for a setting, or nothing.
configured() {
  if [ -f "$conf" ]; then
    sed -n "s/^$1=\\([0-9]*\\)$/\\1/p" "$conf" | head -1
  fi
}

# True when something on this machine accepts connections on the port.
in_use() {
  (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null
}

# ctld_port and slurmd_port: the environment's, else the folder's config's (the cluster keeps its ports across
# restarts), else the first free pair from Slurm's own 6817 and 6818 up.
choose_ports() {
  ctld_port="$(port_from RETRAIN_SLURMCTLD_PORT)"
  slurmd_port="$(port_from RETRAIN_SLURMD_PORT)"
  [ -z "$ctld_port" ] && ctld_port="$(configured SlurmctldPort)"
  [ -z "$slurmd_port" ] && slurmd_port="$(configured SlurmdPort)"
  if [ -n "$ctld_port" ] && [ -n "$slurmd_port" ]; then
    [ "$ctld_port" != "$slurmd_port" ] && return 0
    say "RETRAIN_SLURMCTLD_PORT and RETRAIN_SLURMD_PORT must differ (both are $ctld_port)"
    exit 2
  fi
  local base want_ctld="$ctld_port" want_slurmd="$slurmd_port"
  for base in $(seq 6817 2 6999); do
    ctld_port="${want_ctld:-$base}"
    slurmd_port="${want_slurmd:-$((base + 1))}"
    [ "$ctld_port" = "$slurmd_port" ] && continue
    if { [ -n "$want_ctld" ] || ! in_use "$ctld_port"; } && { [ -n "$want_slurmd" ] || ! in_use "$slurmd_port"; }; then
      return 0
    fi
  done
  say "no free pair of ports from 6817 to 7000 on 127.0.0.1; set RETRAIN_SLURMCTLD_PORT and RETRAIN_SLURMD_PORT"
  exit 2
}

write_config() {
  local node user host new
  # The node as slurmd itself measures it (CPUs, sockets, cores, threads, memory), so slurmctld never drains it for
  # having less than configured.
  node="$(slurmd -C | head -1)"
  host="${node#NodeName=}"
  host="${host%% *}"
  user="$(id -un)"
  new="$(cat << EOF
# Written by deploy/slurm/local-cluster.sh: one node, on 127.0.0.1, every file under $dir.
ClusterName=retrain
SlurmctldHost=$host(127.0.0.1)
# The daemons run as whoever started them (root in a container, where there is no slurm user set up).
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket.2
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
# No cgroups (a container may not delegate them): processes are tracked through /proc, tasks are not bound to CPUs.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# No accounting database: scontrol, not sacct, tells how a job ended.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
# CPUs are what jobs queue for; memory is checked against the node's but not shared out.
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# A node that was down (say, after a stop) comes back as soon as its slurmd registers.
ReturnToService=2
# Keep finished jobs in scontrol for 10 minutes, long enough for a caller to read how they ended.
MinJobAge=600
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
)"
  if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$new" ]; then
    if running slurmctld || running slurmd; then
      say "the config changed: restarting the daemons"
      stop
    fi
    printf '%s\n' "$new" > "$conf"
  fi
}

start_munge() {
  running munged && return 0
  if [ ! -f "$dir/munge/munge.key" ]; then
    mungekey --create --keyfile "$dir/munge/munge.key" > /dev/null
    chmod 600 "$dir/munge/munge.key"
  fi
  # The daemons' own output goes to a file, not to whoever ran this script: a caller that reads this script's output
  # to its end must not wait on daemons that hold the pipe open.
  munged --key-file "$dir/munge/munge.key" --socket "$dir/munge/munge.socket.2" --pid-file "$dir/run/munged.pid" \
    --log-file "$dir/log/munged.log" --seed-file "$dir/munge/munged.seed" < /dev/null >> "$dir/log/daemons.out" 2>&1 ||
    { say "munged did not start; its output:"; tail -20 "$dir/log/daemons.out" "$dir/log/munged.log" >&2; exit 4; }
}

start_daemon() {
  local name="$1"
  shift
  running "$name" && return 0
  "$name" -f "$conf" "$@" < /dev/null >> "$dir/log/daemons.out" 2>&1 ||
    { say "$name did not start; its output:"; tail -20 "$dir/log/daemons.out" "$dir/log/$name.log" >&2 2> /dev/null; exit 4; }
}

node_state() {
  sinfo --noheader --Node --format=%T 2> /dev/null | head -1
}

wait_until_idle() {
  local state=
  for _ in $(seq 1 120); do
    state="$(node_state)"
    case "$state" in
      idle | mixed | allocated) return 0 ;;
    esac
    sleep 0.5
  done
  say "the node did not become idle within 60 s (state: '${state:-no answer}'); the logs:"
  tail -10 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 2> /dev/null || true
  exit 4
}

start() {
  check_dir
  # Bad values fail now, before anything is installed or written.
  port_from RETRAIN_SLURMCTLD_PORT > /dev/null
  port_from RETRAIN_SLURMD_PORT > /dev/null
  mkdir -p "$dir"/{munge,run,log,state,spool}
  # munged refuses a key or socket folder that others may write to, and a socket folder that others cannot enter.
  chmod 755 "$dir" "$dir/munge"
  install
  choose_ports
  write_config
  start_munge
  # -c: a test cluster starts clean (no jobs left from a previous start).
  running slurmctld || start_daemon slurmctld -c
  start_daemon slurmd
  wait_until_idle
  say "node $(sinfo --noheader --Node --format='%N %c CPUs %m MB, %T') in partition $(sinfo --noheader --format=%P | head -1)," \
    "slurmctld on 127.0.0.1:$ctld_port, slurmd on $slurmd_port, files in $dir"
  echo "export SLURM_CONF=$conf"
}

stop_one() {
  local name="$1" pid
  running "$name" || { rm -f "$dir/run/$name.pid"; return 0; }
  pid="$(cat "$dir/run/$name.pid")"
  kill "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2> /dev/null || { rm -f "$dir/run/$name.pid"; return 0; }
    sleep 0.1
  done
  say "$name (pid $pid) did not stop within 10 s; killing it"
  kill -KILL "$pid" 2> /dev/null || true
  rm -f "$dir/run/$name.pid"
}

stop() {
  # slurmd first, so it does not keep trying to reach a stopped slurmctld; munged last, as both use it.
  stop_one slurmd
  stop_one slurmctld
  stop_one munged
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) [ -f "$conf" ] && case "$(node_state)" in idle | mixed | allocated) exit 0 ;; *) exit 1 ;; esac || exit 1 ;;
  *) usage ;;
esac
