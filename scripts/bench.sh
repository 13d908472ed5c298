#!/usr/bin/env bash
# Speed benchmark: bottleneck creation (decode, inference, end to end), compute efficiency against the measured CPU
# peak, final-layer training, label-image, and the same job in ML.NET, for Inception-v3 and MobileNet v1 0.25_224 on
# ../shared/datasets/flower_photos_dev. Every figure is the median of --runs runs (default 3; --runs 1 is a quick run).
#   scripts/bench.sh [--runs N] [--models inception_v3,mobilenet_v1_0.25_224] [--sweep] [--mlnet none] ...
#   scripts/bench.sh --shards 1,2,4 [--models ...]   only N concurrent shard processes over one cache, for each N
#                                                    (docs/many-machines.md)
# Run it on a quiet machine: `uptime` is printed first, and the load average is repeated next to the figures.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export RETRAIN_SHARED="${RETRAIN_SHARED:-$(cd "$root/.." && pwd)/shared}"
out="$root/.artifacts/bench"
stamp="$out/.built"

# label-image (published by build.sh), then the benchmark and its ML.NET peer, each in its own folder: the peer uses
# SkiaSharp 2.88 and the product SkiaSharp 3, so they must never share an output folder or a process.
"$root/scripts/build.sh"
if [ ! -f "$stamp" ] || [ -n "$(find "$root/src" "$root/tests/Retrain.Benchmarks" "$root/tests/Retrain.Benchmarks.MlNet" \
    "$root/Directory.Build.props" "$root/Directory.Packages.props" -newer "$stamp" -type f -not -path '*/bin/*' -not -path '*/obj/*' -print -quit)" ]; then
  dotnet publish "$root/tests/Retrain.Benchmarks/Retrain.Benchmarks.csproj" -c Release -o "$out/retrain" --nologo -v quiet >&2
  dotnet publish "$root/tests/Retrain.Benchmarks.MlNet/Retrain.Benchmarks.MlNet.csproj" -c Release -o "$out/mlnet" --nologo -v quiet >&2
  touch "$stamp"
fi

echo "uptime: $(uptime)"
exec dotnet "$out/retrain/Retrain.Benchmarks.dll" \
  --shared "$RETRAIN_SHARED" \
  --retrain "$root/.artifacts/bin/retrain.dll" \
  --label-image "$root/.artifacts/bin/label-image.dll" \
  --mlnet "$out/mlnet/Retrain.Benchmarks.MlNet.dll" \
  "$@"
