#!/usr/bin/env bash
# A throwaway Slurm cluster of one node on this machine, for tests/e2e/test_slurm_echt.py
# (a real run of profiles/slurm). Debian/Ubuntu, as root: CI containers and test machines.
#
#   bash tests/support/slurm_lokaal.sh          # installs (apt) and starts munge + Slurm
#   bash tests/support/slurm_lokaal.sh stop     # stops the Slurm daemons this script started
#
# It never touches another Slurm: it stops when a slurm.conf it did not write exists (or
# SLURM_CONF is set), or when a slurmctld/slurmd runs that it did not start. Its daemons have
# their own pid files, state and log directories, and the cluster is called 'wijkscan' (the
# test only submits to a cluster of that name). Without slurmdbd (no accounting), so the test
# asks the executor plugin for `--slurm-status-command squeue`; MinJobAge=300 keeps finished
# jobs visible to squeue.
set -euo pipefail

MARK="# wijkscan-test: wegwerpcluster van tests/support/slurm_lokaal.sh"
CONF=/etc/slurm/slurm.conf
CTLD_PID=/run/wijkscan-slurmctld.pid
SLURMD_PID=/run/wijkscan-slurmd.pid
STATE=/var/spool/wijkscan-slurmctld
SPOOL=/var/spool/wijkscan-slurmd
LOGS=/var/log/wijkscan-slurm
# The profile asks up to 4000 MB for a render job (6000 for the national step).
MIN_MEM_MB=4500

fail() {
  echo "slurm_lokaal.sh: $*" >&2
  exit 1
}

ours_running() { # pid file -> the daemon it names still runs
  [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

is_ours() { # pid, pid in our pid file -> the process is that daemon or a helper it forked
  local parent
  [ -n "$2" ] || return 1
  [ "$1" = "$2" ] && return 0
  # A zombie left by daemonizing (a container's init may not reap it) runs nothing.
  case "$(ps -o stat= -p "$1" 2>/dev/null || true)" in Z*) return 0 ;; esac
  parent="$(ps -o ppid= -p "$1" 2>/dev/null | tr -d ' ' || true)"
  # Gone in the meantime, or forked by our daemon (slurmctld's slurmscriptd starts as one).
  [ -z "$parent" ] || [ "$parent" = "$2" ]
}

stop_ours() {
  for pidfile in "$SLURMD_PID" "$CTLD_PID"; do
    if ours_running "$pidfile"; then
      kill "$(cat "$pidfile")"
      # slurmd first finishes the jobs it is cleaning up (KillWait=30).
      for _ in $(seq 1 80); do ours_running "$pidfile" || break; sleep 0.5; done
      ! ours_running "$pidfile" || kill -9 "$(cat "$pidfile")" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

[ "$(id -u)" = "0" ] || fail "alleen als root (installeert en start systeemdiensten)."
[ -z "${SLURM_CONF:-}" ] || fail "SLURM_CONF is gezet ($SLURM_CONF): hier draait al Slurm."
[ ! -e /etc/slurm-llnl/slurm.conf ] || fail "/etc/slurm-llnl/slurm.conf bestaat: hier draait al Slurm."
if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
  fail "$CONF bestaat al en is niet van dit script; niets veranderd."
fi

if [ "${1:-}" = "stop" ]; then
  stop_ours
  echo "slurm_lokaal.sh: gestopt"
  exit 0
fi

for daemon in slurmctld slurmd; do
  pidfile="$CTLD_PID"; [ "$daemon" = slurmd ] && pidfile="$SLURMD_PID"
  own="$(cat "$pidfile" 2>/dev/null || true)"
  for pid in $(pgrep -x "$daemon" || true); do
    is_ours "$pid" "$own" ||
      fail "er draait al een $daemon (pid $pid) die niet van dit script is; niets veranderd."
  done
done

if [ ! -x /usr/sbin/slurmctld ] || [ ! -x /usr/sbin/slurmd ] || [ ! -x /usr/sbin/munged ] ||
  ! command -v sbatch >/dev/null; then
  command -v apt-get >/dev/null ||
    fail "Slurm ontbreekt en er is geen apt-get; installeer slurmctld, slurmd, slurm-client en munge."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge \
    >/dev/null
fi
id slurm >/dev/null 2>&1 || fail "gebruiker 'slurm' ontbreekt (hoort bij het pakket slurmctld)."
id munge >/dev/null 2>&1 || fail "gebruiker 'munge' ontbreekt (hoort bij het pakket munge)."

host="$(hostname -s)"
cpus="$(nproc)"
mem="$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)"
[ "$mem" -ge "$MIN_MEM_MB" ] ||
  fail "te weinig geheugen voor de profielresources (${mem} MB bruikbaar, ${MIN_MEM_MB} nodig)."

mkdir -p /etc/slurm "$STATE" "$SPOOL" "$LOGS"
cat >"$CONF" <<EOF
$MARK
ClusterName=wijkscan
SlurmctldHost=$host
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmdSpoolDir=$SPOOL
StateSaveLocation=$STATE
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=300
InactiveLimit=0
KillWait=30
Waittime=0
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
chown slurm:slurm "$STATE" "$LOGS"

mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
if [ ! -s /etc/munge/munge.key ]; then
  runuser -u munge -- mungekey -c
fi
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged

# A running controller keeps its old configuration: restart ours with this one.
stop_ours
start() {
  "$1" || {
    echo "slurm_lokaal.sh: $1 startte niet; laatste regels van zijn log:" >&2
    tail -n 5 "$LOGS/$(basename "$1").log" >&2 || true
    exit 1
  }
}
start /usr/sbin/slurmctld
sleep 1
start /usr/sbin/slurmd

state=""
for _ in $(seq 1 30); do
  state="$(sinfo -h -o '%T' 2>/dev/null || true)"
  case "$state" in
    *'*') ;; # a trailing * means the node does not respond (yet)
    idle|mixed|allocated|completing) echo "slurm_lokaal.sh: node $host is $state"; exit 0 ;;
    down*|drain*) scontrol update nodename="$host" state=resume 2>/dev/null || true ;;
  esac
  sleep 1
done
fail "node $host kwam niet op (sinfo: '${state:-geen antwoord}'); zie $LOGS/."
