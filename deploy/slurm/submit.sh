#!/usr/bin/env bash
# Submits the bottleneck array (bottlenecks.sbatch), then the training job (train.sbatch), which Slurm holds until
# every array task has succeeded.
#   deploy/slurm/submit.sh IMAGE_DIR TFHUB_MODULE BOTTLENECK_DIR OUT_DIR [SBATCH_OPTION...]
# Every path must be on storage all nodes mount at the same place (docs/many-machines.md); jobs start in the folder
# submit.sh was run from, so relative paths work too. RETRAIN is the retrain command to run (default: `retrain` on
# PATH, e.g. a checkout's .artifacts/bin/retrain after scripts/build.sh). Extra sbatch options (partition, account)
# go in SBATCH_* variables, which sbatch reads itself; options that have no such variable (--cpus-per-task, for a
# node with fewer CPUs than the scripts ask for) follow the four paths and go to both sbatch calls, where they override
# the scripts' #SBATCH lines.
set -euo pipefail
if [ "$#" -lt 4 ]; then
  echo "usage: deploy/slurm/submit.sh IMAGE_DIR TFHUB_MODULE BOTTLENECK_DIR OUT_DIR [SBATCH_OPTION...]" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export IMAGE_DIR="$1" TFHUB_MODULE="$2" BOTTLENECK_DIR="$3" OUT_DIR="$4"
shift 4
export RETRAIN="${RETRAIN:-retrain}"

# --parsable prints "JOBID" or "JOBID;CLUSTER"; --export=ALL passes the variables above even where a site's default
# is --export=NONE.
array=$(sbatch --parsable --export=ALL "$@" "$here/bottlenecks.sbatch")
ARRAY_JOB_ID="${array%%;*}"
train=$(sbatch --parsable --export=ALL --dependency=afterok:"$ARRAY_JOB_ID" --kill-on-invalid-dep=yes "$@" "$here/train.sbatch")
TRAIN_JOB_ID="${train%%;*}"
echo "bottleneck array: job $ARRAY_JOB_ID; training: job $TRAIN_JOB_ID, which starts once every array task succeeded"
