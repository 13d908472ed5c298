#!/usr/bin/env bash
# Publishes both commands (Release); quick when nothing changed.
#   scripts/build.sh                   the CPU build, into .artifacts/bin (run with dotnet)
#   scripts/build.sh --cuda            the CUDA build (ONNX Runtime's CUDA 13 package, 550 MB restored), into .artifacts/bin-cuda
#   scripts/build.sh --self-contained  with the .NET runtime inside, for machines without .NET (GPU nodes, clusters):
#                                      into .artifacts/bin-<rid> (bin-cuda-<rid> with --cuda); run ./retrain, ./label-image
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build=cpu
self_contained=
for arg in "$@"; do
  case "$arg" in
    --cuda) build=cuda ;;
    --self-contained) self_contained=1 ;;
    *) echo "usage: scripts/build.sh [--cuda] [--self-contained]" >&2; exit 2 ;;
  esac
done
out="$root/.artifacts/bin"
[ "$build" = cuda ] && out="$root/.artifacts/bin-cuda"
publish=(-c Release -p:RetrainBuild="$build")
[ -n "$self_contained" ] && source "$root/scripts/self-contained.sh"
stamp="$out/.built"
if [ -f "$stamp" ] && [ -z "$(find "$root/src" "$root/Directory.Build.props" "$root/Directory.Packages.props" -newer "$stamp" -type f \
    -not -path '*/bin/*' -not -path '*/obj/*' -not -path '*/bin-*/*' -not -path '*/obj-*/*' -print -quit)" ]; then
  exit 0
fi
# The first build restores packages and compiles for about a minute (the CUDA one downloads 550 MB first): say so,
# or the wrapper looks hung.
echo "Building the $build build${self_contained:+ (self-contained, $rid)} of retrain and label-image into ${out#"$root"/} (first run or sources changed; a minute or more)..." >&2
for project in Retrain.Cli LabelImage.Cli; do
  dotnet publish "$root/src/$project/$project.csproj" "${publish[@]}" -o "$out" --nologo -v quiet >&2
done
touch "$stamp"
