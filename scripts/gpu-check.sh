#!/usr/bin/env bash
# GPU check (docs/gpu.md): runs the flowers (../shared/datasets/flower_photos_dev) with Inception-v3 and MobileNet v1
# 0.25_224 on the checked device and on the CPU, and prints side by side the per-vector bottleneck agreement (max abs
# diff, cosine >= 0.9999 expected), the final test accuracies (within 1 point expected), bottleneck images/s, seconds
# per distorted step and final-layer steps/s, with the GPU's targets.
#   scripts/gpu-check.sh                    --device cuda: the GPU (the CUDA build; needs an NVIDIA GPU, docs/gpu.md)
#   scripts/gpu-check.sh --device cpu       the self-check, on any machine: the GPU's code paths on the CPU provider
#   more flags: --gpu-id N --models inception_v3,mobilenet_v1_0.25_224 --images N (per class and part; 0 = all)
#               --steps N (final layer, default 4000) --distorted-steps N (default 5)
#   for a GPU machine without .NET: here, `scripts/gpu-check.sh --self-contained --build-only` publishes the check with
#   the runtime inside into .artifacts/gpu-check-cuda-<rid>; copy that folder and ../shared (its flowers and models)
#   there and run `gpu-check-cuda-<rid>/Retrain.Benchmarks gpu-check --shared DIR --device cuda [more flags]`.
# Exit code 7 (and a line that says why) when CUDA cannot be used.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export RETRAIN_SHARED="${RETRAIN_SHARED:-$(cd "$root/.." && pwd)/shared}"

device=cuda
self_contained=
build_only=
args=()
for arg in "$@"; do
  case "$arg" in
    --self-contained) self_contained=1 ;;
    --build-only) build_only=1 ;;
    *) args+=("$arg") ;;
  esac
done
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[$i]}" = --device ] && [ $((i + 1)) -lt ${#args[@]} ]; then device="${args[$((i + 1))]}"; fi
done
[ "$device" = cuda ] || [ "$device" = cpu ] || { echo "scripts/gpu-check.sh: --device must be cuda or cpu" >&2; exit 2; }
# A container given only the driver's compute libraries has libcuda.so.1 but no nvidia-smi: either will do.
if [ -z "$build_only" ] && [ "$device" = cuda ] && ! command -v nvidia-smi >/dev/null 2>&1 \
    && ! { command -v ldconfig >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1'; }; then
  echo "gpu-check: CUDA unavailable: neither nvidia-smi nor libcuda.so.1 is on this machine (no NVIDIA driver), so no GPU can be checked here." >&2
  echo "gpu-check: run 'scripts/gpu-check.sh --device cpu' for the self-check of the GPU's code paths on the CPU." >&2
  exit 7
fi

# The benchmark built against the same ONNX Runtime package as the device it checks: the CUDA build for cuda.
build=cpu
[ "$device" = cuda ] && build=cuda
out="$root/.artifacts/gpu-check-$build"
publish=(-c Release -p:RetrainBuild="$build")
[ -n "$self_contained" ] && source "$root/scripts/self-contained.sh"
stamp="$out/.built"
if [ ! -f "$stamp" ] || [ -n "$(find "$root/src" "$root/tests/Retrain.Benchmarks" "$root/Directory.Build.props" "$root/Directory.Packages.props" \
    -newer "$stamp" -type f -not -path '*/bin/*' -not -path '*/obj/*' -not -path '*/bin-*/*' -not -path '*/obj-*/*' -print -quit)" ]; then
  echo "Building the gpu-check benchmark ($build build${self_contained:+, self-contained}) into ${out#"$root"/}..." >&2
  dotnet publish "$root/tests/Retrain.Benchmarks/Retrain.Benchmarks.csproj" "${publish[@]}" -o "$out" --nologo -v quiet >&2
  touch "$stamp"
fi
if [ -n "$build_only" ]; then
  echo "gpu-check: built ${out#"$root"/}" >&2
  exit 0
fi

echo "uptime: $(uptime)"
if [ -n "$self_contained" ]; then
  exec "$out/Retrain.Benchmarks" gpu-check --shared "$RETRAIN_SHARED" --device "$device" "${args[@]}"
fi
exec dotnet "$out/Retrain.Benchmarks.dll" gpu-check --shared "$RETRAIN_SHARED" --device "$device" "${args[@]}"
