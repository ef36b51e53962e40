#!/usr/bin/env bash
# Stops the single-node cluster scripts/slurm-up.sh started: cancels its jobs, then stops slurmd,
# slurmctld and munged by the PIDs in their PID files (never by name). A daemon it did not start
# (no PID file) is left alone. Idempotent.   --quiet: say only what it stopped.
set -uo pipefail

RUN=${DISTILLERY_SLURM_RUN:-/run/distillery-slurm}
quiet=0
locked=0
for a in "$@"; do
  case $a in --quiet) quiet=1 ;; --locked) locked=1 ;; *) echo "usage: $0 [--quiet]" >&2; exit 2 ;; esac
done
# One bring-up or take-down at a time (slurm-up.sh holds the lock when it calls this: --locked).
if [ "$locked" = 0 ] && [ -d "$RUN" ]; then
  exec 9>"$RUN/lock"
  flock 9
fi
say() { [ "$quiet" = 1 ] || echo "slurm-down: $*"; }

# Running = exists and is not a zombie (PID 1 here does not reap orphans: a stopped daemon may
# stay behind as a zombie, which counts as stopped).
running() {
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

pid_of() { [ -f "$RUN/$1.pid" ] && tr -dc '0-9' <"$RUN/$1.pid"; }

stop() {
  local name=$1 pid i
  pid=$(pid_of "$name") || return 0
  if [ -n "$pid" ] && running "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do running "$pid" || break; sleep 0.1; done
    if running "$pid"; then kill -KILL "$pid" 2>/dev/null; sleep 0.3; fi
    say "$name stopped (pid $pid)"
  fi
  rm -f "$RUN/$name.pid"
}

# Cancel the queue first, while the controller answers, so no job outlives the cluster.
ctld=$(pid_of slurmctld || true)
if [ -n "$ctld" ] && running "$ctld" && scontrol ping 2>/dev/null | grep -q 'is UP'; then
  jobs=$(squeue -h -o %A 2>/dev/null | tr '\n' ' ')
  if [ -n "${jobs// /}" ]; then
    say "cancelling jobs $jobs"
    # shellcheck disable=SC2086
    scancel $jobs 2>/dev/null
    for ((i = 0; i < 50; i++)); do [ -z "$(squeue -h -t R,CG -o %A 2>/dev/null)" ] && break; sleep 0.2; done
  fi
fi
stop slurmd
stop slurmctld
stop munged
exit 0
