#!/usr/bin/env bash
# Submits the bottleneck array (bottlenecks.sbatch), then the training job (train.sbatch), which Slurm holds until
# every array task has succeeded.
#   deploy/slurm/submit.sh IMAGE_DIR TFHUB_MODULE BOTTLENECK_DIR OUT_DIR
# Every path must be on storage all nodes mount at the same place (docs/many-machines.md); jobs start in the folder
# submit.sh was run from, so relative paths work too. RETRAIN is the retrain command to run (default: `retrain` on
# PATH, e.g. a checkout's .artifacts/bin/retrain after scripts/build.sh). Extra sbatch options (partition, account)
# go in SBATCH_* variables, which sbatch reads itself.
set -euo pipefail
if [ "$#" -ne 4 ]; then
  echo "usage: deploy/slurm/submit.sh IMAGE_DIR TFHUB_MODULE BOTTLENECK_DIR OUT_DIR" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export IMAGE_DIR="$1" TFHUB_MODULE="$2" BOTTLENECK_DIR="$3" OUT_DIR="$4"
export RETRAIN="${RETRAIN:-retrain}"

# --parsable prints "JOBID" or "JOBID;CLUSTER"; --export=ALL passes the variables above even where a site's default
# is --export=NONE.
array=$(sbatch --parsable --export=ALL "$here/bottlenecks.sbatch")
ARRAY_JOB_ID="${array%%;*}"
train=$(sbatch --parsable --export=ALL --dependency=afterok:"$ARRAY_JOB_ID" --kill-on-invalid-dep=yes "$here/train.sbatch")
echo "bottleneck array: job $ARRAY_JOB_ID; training: job ${train%%;*}, which starts once every array task succeeded"
