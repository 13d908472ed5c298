#!/usr/bin/env bash
# Speed benchmark: bottleneck creation (decode, inference, end to end), compute efficiency against the measured CPU
# peak, final-layer training, label-image, and the same job in ML.NET, for Inception-v3 and MobileNet v1 0.25_224 on
# ../shared/datasets/flower_photos_dev, and ML.NET's ResNet-18 (ONNX, from its NuGet package; no ML.NET peer, retrain or
# label-image command figures for it). Every figure is the median of --runs runs (default 3; --runs 1 is a quick run).
#   scripts/bench.sh [--runs N] [--models inception_v3,mobilenet_v1_0.25_224,resnet18] [--sweep] [--mlnet none] ...
#   scripts/bench.sh --shards 1,2,4 [--models ...]   only N concurrent shard processes over one cache, for each N
#                                                    (docs/many-machines.md)
#   scripts/bench.sh --device cuda [--gpu-id N] ...   the same on an NVIDIA GPU (the CUDA build), plus GPU memory used
# Run it on a quiet machine: `uptime` is printed first, and the load average is repeated next to the figures.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export RETRAIN_SHARED="${RETRAIN_SHARED:-$(cd "$root/.." && pwd)/shared}"
build=cpu
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[$i]}" = --device ] && [ "${args[$((i + 1))]:-}" = cuda ]; then build=cuda; fi
done
out="$root/.artifacts/bench"
bin="$root/.artifacts/bin"
if [ "$build" = cuda ]; then
  out="$root/.artifacts/bench-cuda"
  bin="$root/.artifacts/bin-cuda"
fi
stamp="$out/.built"

# label-image (published by build.sh), then the benchmark and its ML.NET peer, each in its own folder: the peer uses
# SkiaSharp 2.88 and the product SkiaSharp 3, so they must never share an output folder or a process.
if [ "$build" = cuda ]; then "$root/scripts/build.sh" --cuda; else "$root/scripts/build.sh"; fi
if [ ! -f "$stamp" ] || [ -n "$(find "$root/src" "$root/tests/Retrain.Benchmarks" "$root/tests/Retrain.Benchmarks.MlNet" \
    "$root/tests/ResNet18Package.props" "$root/Directory.Build.props" "$root/Directory.Packages.props" -newer "$stamp" -type f -not -path '*/bin/*' -not -path '*/obj/*' -not -path '*/bin-*/*' -not -path '*/obj-*/*' -print -quit)" ]; then
  dotnet publish "$root/tests/Retrain.Benchmarks/Retrain.Benchmarks.csproj" -c Release -p:RetrainBuild="$build" -o "$out/retrain" --nologo -v quiet >&2
  dotnet publish "$root/tests/Retrain.Benchmarks.MlNet/Retrain.Benchmarks.MlNet.csproj" -c Release -o "$out/mlnet" --nologo -v quiet >&2
  touch "$stamp"
fi

echo "uptime: $(uptime)"
if [ "$build" = cuda ]; then
  echo "gpu: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'none: nvidia-smi not found, so --device cuda will stop with exit code 7')"
fi
exec dotnet "$out/retrain/Retrain.Benchmarks.dll" \
  --shared "$RETRAIN_SHARED" \
  --retrain "$bin/retrain.dll" \
  --label-image "$bin/label-image.dll" \
  --mlnet "$out/mlnet/Retrain.Benchmarks.MlNet.dll" \
  "$@"
