#!/usr/bin/env bash
# A throwaway Slurm cluster of one node on this machine, for tests/e2e/test_slurm_echt.py
# (a real run of profiles/slurm). Debian/Ubuntu, as root: CI containers and test machines.
#
#   bash tests/support/slurm_lokaal.sh          # installs (apt) and starts munge + Slurm
#
# Never touches a real Slurm: it stops when /etc/slurm/slurm.conf exists and was not written
# by this script. Without slurmdbd (no accounting), so the test asks the executor plugin for
# `--slurm-status-command squeue`; MinJobAge=300 keeps finished jobs visible to squeue.
set -euo pipefail

MARK="# wijkscan-test: wegwerpcluster van tests/support/slurm_lokaal.sh"
CONF=/etc/slurm/slurm.conf

if [ "$(id -u)" != "0" ]; then
  echo "slurm_lokaal.sh: alleen als root (installeert en start systeemdiensten)." >&2
  exit 1
fi
if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
  echo "slurm_lokaal.sh: $CONF bestaat al en is niet van dit script; niets veranderd." >&2
  exit 1
fi

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge \
    >/dev/null
fi

host="$(hostname -s)"
cpus="$(nproc)"
# 80% of the machine's memory, so that the profile's --mem requests (up to 6000 MB) fit.
mem="$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)"

# Own state directories: slurmctld refuses state saved under another ClusterName.
STATE=/var/spool/wijkscan-slurmctld
SPOOL=/var/spool/wijkscan-slurmd
mkdir -p /etc/slurm "$STATE" "$SPOOL" /var/log/slurm
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
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmdSpoolDir=$SPOOL
StateSaveLocation=$STATE
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
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
chown slurm:slurm "$STATE" /var/log/slurm

mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
if [ ! -s /etc/munge/munge.key ]; then
  runuser -u munge -- mungekey -c
fi
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
# A running controller keeps its old configuration: restart it with this one.
if pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null; then
  pkill -x slurmd || true
  pkill -x slurmctld || true
  sleep 2
fi
start() {
  "$1" || {
    echo "slurm_lokaal.sh: $1 startte niet; laatste regels van zijn log:" >&2
    tail -n 5 "/var/log/slurm/$(basename "$1").log" >&2 || true
    exit 1
  }
}
start /usr/sbin/slurmctld
sleep 1
start /usr/sbin/slurmd

for _ in $(seq 1 30); do
  state="$(sinfo -h -o '%T' 2>/dev/null || true)"
  case "$state" in
    idle*|mixed*|allocated*) echo "slurm_lokaal.sh: node $host is $state"; exit 0 ;;
    down*|drain*) scontrol update nodename="$host" state=resume 2>/dev/null || true ;;
  esac
  sleep 1
done
echo "slurm_lokaal.sh: node $host kwam niet op (sinfo: '${state:-geen antwoord}');" \
  "zie /var/log/slurm/." >&2
exit 1
