#!/usr/bin/env bash
# A real single-node SLURM cluster on loopback (Debian packages, root, no systemd,
# no cgroups), the facelime test config run on it with workflow/profiles/slurm, and
# the outputs compared with a local --cores 2 run. Every daemon is stopped by its PID.
#
#   bash tests/slurm/single_node_cluster.sh [PYTHON_VENV]   (default .venv)
# Exit 0: same numbers on SLURM and locally. Needs root and apt-get.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
VENV=$(cd "${1:-$REPO/.venv}" && pwd)
LAB=${LAB:-/tmp/facelime-slurm}
T0=$SECONDS
say() { echo "[slurm-test $((SECONDS - T0)) s] $*"; }
die() { echo "[slurm-test] FAILED: $*" >&2; exit 1; }

# --- daemons, by PID -------------------------------------------------------------
PIDS=$LAB/pids
stop_all() {
  for name in slurmd slurmctld slurmdbd mariadbd munged; do
    [ -f "$PIDS/$name.pid" ] || continue
    pid=$(cat "$PIDS/$name.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
      echo "stopped $name ($pid)"
    fi
    rm -f "$PIDS/$name.pid"
  done
}
if [ -d "$PIDS" ]; then
  for f in "$PIDS"/*.pid; do [ -e "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && die "a daemon of an earlier run is alive: $f"; done
fi
trap stop_all EXIT
wait_for() {  # wait_for SECONDS WHAT COMMAND...
  local limit=$1 what=$2; shift 2
  for _ in $(seq $((limit * 4))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  die "timed out waiting for $what"
}

# --- packages ---------------------------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
if ! command -v slurmctld >/dev/null || ! command -v mariadbd >/dev/null; then
  made_policy=0
  # keep the packages' maintainer scripts from starting services (there is no systemd)
  [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1; }
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends munge slurmctld slurmd slurm-client slurmdbd mariadb-server >/dev/null
  [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
fi
say "packages: $(slurmctld -V)"

# --- configuration (slurm.conf must be at /etc/slurm: the plugin's job step drops SLURM_CONF)
rm -rf "$LAB"; mkdir -p "$LAB"/{log,pids,ctld,spool}
HOST=$(hostname -s); CPUS=$(nproc); MEM=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
mkdir -p /etc/slurm
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=facelime
SlurmctldHost=${HOST}(127.0.0.1)
CommunicationParameters=NoInAddrAny
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$LAB/ctld
SlurmdSpoolDir=$LAB/spool
SlurmctldPidFile=$LAB/slurmctld.pid
SlurmdPidFile=$LAB/slurmd.pid
SlurmctldLogFile=$LAB/log/slurmctld.log
SlurmdLogFile=$LAB/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
MailProg=/bin/true
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
JobAcctGatherType=jobacct_gather/linux
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=5
MinJobAge=300
NodeName=${HOST} NodeAddr=127.0.0.1 CPUs=${CPUS} RealMemory=${MEM} State=UNKNOWN
PartitionName=debug Nodes=${HOST} Default=YES MaxTime=INFINITE State=UP
CONF
cat > /etc/slurm/slurmdbd.conf <<CONF
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
SlurmUser=root
LogFile=$LAB/log/slurmdbd.log
PidFile=$LAB/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StorageUser=slurm
StoragePass=facelime
StorageLoc=slurm_acct_db
CONF
chmod 600 /etc/slurm/slurmdbd.conf

# --- munge, MariaDB + slurmdbd (the plugin polls job states with sacct), slurmctld, slurmd
if [ ! -s /etc/munge/munge.key ]; then
  mungekey --create --keyfile=/etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key; chmod 600 /etc/munge/munge.key
fi
install -d -o munge -g munge -m 0755 /run/munge
setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F > "$LAB/log/munged.out" 2>&1 &
echo $! > "$PIDS/munged.pid"
wait_for 20 munge bash -c 'munge -n | unmunge'
install -d -o mysql -g mysql -m 0750 "$LAB/mysql"
mariadb-install-db --user=mysql --datadir="$LAB/mysql" --auth-root-authentication-method=socket --skip-test-db > "$LAB/log/mariadb-install.out" 2>&1
/usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$LAB/mysql" --socket="$LAB/mysql/mysqld.sock" \
  --pid-file="$LAB/mysql/mariadbd.pid" --bind-address=127.0.0.1 --port=3306 > "$LAB/log/mariadbd.out" 2>&1 &
echo $! > "$PIDS/mariadbd.pid"
wait_for 60 mariadb mariadb-admin --socket="$LAB/mysql/mysqld.sock" ping
mariadb --socket="$LAB/mysql/mysqld.sock" -u root <<'SQL'
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'facelime';
CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'facelime';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
SQL
/usr/sbin/slurmdbd -D > "$LAB/log/slurmdbd.out" 2>&1 &
echo $! > "$PIDS/slurmdbd.pid"
wait_for 60 slurmdbd sacctmgr -n list cluster
sacctmgr -i add cluster facelime >/dev/null
sacctmgr -i add account facelime Cluster=facelime >/dev/null
sacctmgr -i add user root Account=facelime >/dev/null
/usr/sbin/slurmctld -D > "$LAB/log/slurmctld.out" 2>&1 &
echo $! > "$PIDS/slurmctld.pid"
wait_for 30 slurmctld bash -c 'scontrol ping | grep -q UP'
/usr/sbin/slurmd -D > "$LAB/log/slurmd.out" 2>&1 &
echo $! > "$PIDS/slurmd.pid"
wait_for 60 "an idle node" bash -c "sinfo -h -n $HOST -o %T | grep -qx idle"
say "cluster idle: $(sinfo -h -o '%P %D %c %T')"

# --- the test config, locally and on SLURM -------------------------------------------
export PATH=$VENV/bin:$PATH TQDM_DISABLE=1 OPENBLAS_NUM_THREADS=1
WORK=$LAB/work; mkdir -p "$WORK"
python - "$WORK" <<'PY'
import sys
from pathlib import Path
import yaml
from facelime.steps.demo import demo_dataset
work = Path(sys.argv[1])
demo_dataset(faces=work / "data", metadata=work / "identities.csv")
config = {"seed": 5, "sheets": False, "lime": {"num_samples": 16}, "compare": {"min_group_size": 1},
          "dataset": {"root": str(work / "data"), "metadata": str(work / "identities.csv"),
                      "identities": ["astronaut", "grace_hopper", "t1_face2", "tom_hanks"]},
          "models": {"dlib_resnet": {"backend": "dlib", "attributes": {"arch": "ResNet-29", "train_set": "dlib"}}}}
for run in ("local", "slurm"):
    (work / run).mkdir()
    (work / run / "config.yaml").write_text(yaml.safe_dump(config))
PY
SMK=(snakemake --snakefile "$REPO/Snakefile")
say "local run (--cores 2)"
(cd "$WORK/local" && timeout -k 15 600 "${SMK[@]}" --configfile config.yaml --cores 2 > "$LAB/log/local.log" 2>&1) \
  || { tail -30 "$LAB/log/local.log"; die "local run failed"; }
say "SLURM run (snakemake --profile slurm, typed in the repository root)"
# The design card's command as a user types it in the repository root (the top-level
# `slurm` link finds workflow/profiles/slurm); the outputs go to the test's folder. This
# cluster's partition and account on the command line, and a first status check after
# 1 s instead of 40 s (test speed only).
(cd "$REPO" && timeout -k 15 1200 "${SMK[@]}" --directory "$WORK/slurm" --configfile "$WORK/slurm/config.yaml" \
   --profile slurm --cores "$CPUS" \
   --default-resources slurm_partition=debug slurm_account=facelime runtime=30 mem_mb=1000 cpus_per_task=1 \
   --slurm-init-seconds-before-status-checks 1 > "$LAB/log/slurm.log" 2>&1) \
  || { tail -40 "$LAB/log/slurm.log"; die "SLURM run failed"; }
grep -qE "Using profiles? slurm" "$LAB/log/slurm.log" || die "--profile slurm was not found"
submitted=$(grep -c "has been submitted with SLURM jobid" "$LAB/log/slurm.log" || true)
say "SLURM run done: $submitted SLURM jobs submitted with sbatch"
grep -m 3 "has been submitted with SLURM jobid" "$LAB/log/slurm.log" || true
wait_for 30 "sacct to list the jobs" bash -c 'sacct -X -n -o State | grep -q COMPLETED'
sacct -X -o JobID%8,JobName%40,State,Elapsed | head -20
completed=$(sacct -X -n -o State | grep -c COMPLETED || true)
[ "$submitted" -gt 0 ] && [ "$completed" -ge "$submitted" ] || die "$submitted jobs submitted, $completed COMPLETED per sacct"
python - "$REPO/tests" "$WORK/local/results" "$WORK/slurm/results" <<'PY'
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from workflow_helpers import assert_same_results
count = assert_same_results(Path(sys.argv[2]), Path(sys.argv[3]))
print(f"[slurm-test] {count} result files identical on SLURM and locally")
PY
say "passed"
