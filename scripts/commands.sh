# Sourced by train.sh and predict.sh: picks the build a command line needs and builds it when sources changed.
# `--device cuda` (or RETRAIN_BUILD=cuda) runs the CUDA build in .artifacts/bin-cuda, anything else the CPU build.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.artifacts/bin"
build_flag=
previous=
for arg in "$@"; do
  if [ "$arg" = "--device=cuda" ] || { [ "$previous" = "--device" ] && [ "$arg" = cuda ]; }; then
    RETRAIN_BUILD=cuda
  fi
  previous="$arg"
done
if [ "${RETRAIN_BUILD:-cpu}" = cuda ]; then
  bin="$root/.artifacts/bin-cuda"
  build_flag=--cuda
fi
"$root/scripts/build.sh" $build_flag
