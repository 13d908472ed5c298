#!/usr/bin/env bash
# Publishes both commands (Release, framework-dependent); quick when nothing changed.
#   scripts/build.sh          the CPU build, into .artifacts/bin
#   scripts/build.sh --cuda   the CUDA build (ONNX Runtime's CUDA 13 package, 550 MB restored), into .artifacts/bin-cuda
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build=cpu
case "${1:-}" in
  "") ;;
  --cuda) build=cuda ;;
  *) echo "usage: scripts/build.sh [--cuda]" >&2; exit 2 ;;
esac
out="$root/.artifacts/bin"
[ "$build" = cuda ] && out="$root/.artifacts/bin-cuda"
stamp="$out/.built"
if [ -f "$stamp" ] && [ -z "$(find "$root/src" "$root/Directory.Build.props" "$root/Directory.Packages.props" -newer "$stamp" -type f \
    -not -path '*/bin/*' -not -path '*/obj/*' -not -path '*/bin-cuda/*' -not -path '*/obj-cuda/*' -print -quit)" ]; then
  exit 0
fi
# The first build restores packages and compiles for about a minute (the CUDA one downloads 550 MB first): say so,
# or the wrapper looks hung.
echo "Building the $build build of retrain and label-image into ${out#"$root"/} (first run or sources changed; a minute or more)..." >&2
for project in Retrain.Cli LabelImage.Cli; do
  dotnet publish "$root/src/$project/$project.csproj" -c Release -p:RetrainBuild="$build" -o "$out" --nologo -v quiet >&2
done
touch "$stamp"
