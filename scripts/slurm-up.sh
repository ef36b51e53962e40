#!/usr/bin/env bash
# Brings up a single-node SLURM cluster on this machine (Debian packages munge, slurmctld,
# slurmd, slurm-client; no systemd, no cgroup plugins, no accounting database), for
# `distillery run … --executor slurm` and test/slurm/. Needs root. Idempotent: daemons a previous
# run started (PID files in $DISTILLERY_SLURM_RUN) are stopped first, and the controller starts
# with an empty queue. A cluster this script started that is still healthy is left running
# (several CI runs on one machine share it); --restart restarts it anyway.
# scripts/slurm-down.sh stops it.
#
#   DISTILLERY_SLURM_RUN        PID files                         (/run/distillery-slurm)
#   DISTILLERY_SLURM_PARTITION  the partition's name              (debug)
#   DISTILLERY_SLURM_TIMEOUT    seconds to wait for each daemon   (60)
set -euo pipefail

RUN=${DISTILLERY_SLURM_RUN:-/run/distillery-slurm}
PARTITION=${DISTILLERY_SLURM_PARTITION:-debug}
TIMEOUT=${DISTILLERY_SLURM_TIMEOUT:-60}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
START=$(date +%s.%N)

say() { printf 'slurm-up (%ss): %s\n' "$(awk -v a="$START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')" "$*"; }
fail() { say "error: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (it installs packages and starts daemons)"

# Wait up to $TIMEOUT seconds for a command to succeed.
await() {
  local i
  for ((i = 0; i < TIMEOUT * 5; i++)); do
    if "$@"; then return 0; fi
    sleep 0.2
  done
  return 1
}

# --- packages -------------------------------------------------------------------------------
missing=()
for p in munge slurmctld slurmd slurm-client; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  log=$(mktemp)
  # DPkg::Lock::Timeout: wait for a concurrent apt instead of failing.
  apt=(apt-get -q -o DPkg::Lock::Timeout=600)
  if ! { DEBIAN_FRONTEND=noninteractive "${apt[@]}" update && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    fail "apt-get could not install ${missing[*]}"
  fi
  rm -f "$log"
fi

# --- one bring-up at a time; a healthy cluster of ours stays -------------------------------------
install -d -m 0755 "$RUN"
exec 9>"$RUN/lock"
flock 9
host=$(hostname -s)
alive() { [ -s "$RUN/$1.pid" ] && [ "$(cat "/proc/$(tr -dc '0-9' <"$RUN/$1.pid")/comm" 2>/dev/null)" = "$1" ]; }
if [ "${1:-}" != --restart ] && alive slurmctld && alive slurmd && grep -q "^# Written by distillery's scripts/slurm-up.sh" /etc/slurm/slurm.conf 2>/dev/null \
  && scontrol ping 2>/dev/null | grep -q 'is UP' && [[ "$(sinfo -h -n "$host" -o %T 2>/dev/null)" =~ ^(idle|mixed|allocated)$ ]]; then
  say "cluster already up (node $host $(sinfo -h -n "$host" -o %T)): left as it is"
  exit 0
fi

# --- whatever a previous run left -------------------------------------------------------------
DISTILLERY_SLURM_RUN=$RUN "$HERE/slurm-down.sh" --quiet --locked

# --- munge: as user munge, socket in /run/munge, key in /etc/munge --------------------------------
install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
install -d -o munge -g munge -m 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  if command -v mungekey >/dev/null; then runuser -u munge -- mungekey --create --keyfile=/etc/munge/munge.key
  else head -c 1024 /dev/urandom >/etc/munge/munge.key; fi
fi
chown munge:munge /etc/munge/munge.key
chmod 0600 /etc/munge/munge.key
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  say "munged already running (not ours: slurm-down.sh leaves it)"
else
  # Daemons must not inherit the lock's fd 9: munged would hold the lock for as long as it runs.
  runuser -u munge -- /usr/sbin/munged 9>&-
  await test -s /run/munge/munged.pid || fail "munged wrote no PID file"
  cp /run/munge/munged.pid "$RUN/munged.pid"
  munge -n | unmunge >/dev/null || fail "munge credentials do not round-trip"
fi

# --- slurm.conf -------------------------------------------------------------------------------
# `slurmd -C`: "NodeName=<host> CPUs=2 Boards=1 … RealMemory=…"; keep what follows the name.
hardware=$(slurmd -C | head -n 1 | sed -e 's/^NodeName=[^ ]* //')
[ -n "$hardware" ] || fail "slurmd -C printed nothing"
install -d -m 0755 /etc/slurm
cat >/etc/slurm/slurm.conf <<EOF
# Written by distillery's scripts/slurm-up.sh: one node, no cgroups, no accounting database.
ClusterName=distillery
SlurmctldHost=$host(127.0.0.1)
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# No accounting database: a finished job stays in squeue/scontrol for MinJobAge seconds
# (distillery polls them), and every finished job's state is logged to JobCompLoc.
MinJobAge=300
JobCompType=jobcomp/filetxt
JobCompLoc=/var/log/slurm/jobcomp.log
SchedulerType=sched/backfill
# Without batch_sched_delay=0 every batch job waits up to 3 s before it starts.
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 $hardware State=UNKNOWN
PartitionName=$PARTITION Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
install -d -o slurm -g slurm -m 0755 /var/spool/slurmctld /var/log/slurm
install -d -m 0755 /var/spool/slurmd

# --- daemons ----------------------------------------------------------------------------------
ctld_up() { scontrol ping 2>/dev/null | grep -q 'is UP'; }
# -c: an empty queue (no jobs recovered from a previous cluster's state).
/usr/sbin/slurmctld -c 9>&- || fail "slurmctld did not start: $(tail -n 5 /var/log/slurm/slurmctld.log)"
await ctld_up || fail "slurmctld does not answer: $(tail -n 10 /var/log/slurm/slurmctld.log)"
/usr/sbin/slurmd 9>&- || fail "slurmd did not start: $(tail -n 5 /var/log/slurm/slurmd.log)"
# slurmd's parent returns before the daemon writes its PID file.
await test -s "$RUN/slurmd.pid" || fail "slurmd wrote no PID file: $(tail -n 10 /var/log/slurm/slurmd.log)"
node_idle() { [ "$(sinfo -h -n "$host" -o %T 2>/dev/null)" = idle ]; }
await node_idle || fail "node $host is not idle ($(sinfo -h -n "$host" -o %T 2>/dev/null)): $(tail -n 10 /var/log/slurm/slurmd.log)"
say "cluster up: partition $PARTITION, node $host ($hardware); scripts/slurm-down.sh stops it"
