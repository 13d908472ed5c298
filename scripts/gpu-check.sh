#!/usr/bin/env bash
# GPU check (docs/gpu.md): runs the flowers (../shared/datasets/flower_photos_dev) with Inception-v3 and MobileNet v1
# 0.25_224 on the checked device and on the CPU, and prints side by side the per-vector bottleneck agreement (max abs
# diff, cosine >= 0.9999 expected), the final test accuracies (within 1 point expected), bottleneck images/s, seconds
# per distorted step and final-layer steps/s, with the GPU's targets.
#   scripts/gpu-check.sh                    --device cuda: the GPU (the CUDA build; needs an NVIDIA GPU, docs/gpu.md)
#   scripts/gpu-check.sh --device cpu       the self-check, on any machine: the GPU's code paths on the CPU provider
#   more flags: --gpu-id N --models inception_v3,mobilenet_v1_0.25_224 --images N (per class and part; 0 = all)
#               --steps N (final layer, default 4000) --distorted-steps N (default 5)
# Exit code 7 (and a line that says why) when CUDA cannot be used.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export RETRAIN_SHARED="${RETRAIN_SHARED:-$(cd "$root/.." && pwd)/shared}"

device=cuda
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[$i]}" = --device ] && [ $((i + 1)) -lt ${#args[@]} ]; then device="${args[$((i + 1))]}"; fi
done
[ "$device" = cuda ] || [ "$device" = cpu ] || { echo "scripts/gpu-check.sh: --device must be cuda or cpu" >&2; exit 2; }
if [ "$device" = cuda ] && ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "gpu-check: CUDA unavailable: nvidia-smi is not on this machine (no NVIDIA driver), so no GPU can be checked here." >&2
  echo "gpu-check: run 'scripts/gpu-check.sh --device cpu' for the self-check of the GPU's code paths on the CPU." >&2
fi

# The benchmark built against the same ONNX Runtime package as the device it checks: the CUDA build for cuda.
build=cpu
[ "$device" = cuda ] && build=cuda
out="$root/.artifacts/gpu-check-$build"
stamp="$out/.built"
if [ ! -f "$stamp" ] || [ -n "$(find "$root/src" "$root/tests/Retrain.Benchmarks" "$root/Directory.Build.props" "$root/Directory.Packages.props" \
    -newer "$stamp" -type f -not -path '*/bin/*' -not -path '*/obj/*' -not -path '*/bin-cuda/*' -not -path '*/obj-cuda/*' -print -quit)" ]; then
  echo "Building the gpu-check benchmark ($build build) into ${out#"$root"/}..." >&2
  dotnet publish "$root/tests/Retrain.Benchmarks/Retrain.Benchmarks.csproj" -c Release -p:RetrainBuild="$build" -o "$out" --nologo -v quiet >&2
  touch "$stamp"
fi

echo "uptime: $(uptime)"
exec dotnet "$out/Retrain.Benchmarks.dll" gpu-check --shared "$RETRAIN_SHARED" --device "$device" "$@"
