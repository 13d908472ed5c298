#!/usr/bin/env bash
# Publishes both commands (Release, framework-dependent) into .artifacts/bin; quick when nothing changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.artifacts/bin"
stamp="$out/.built"
if [ -f "$stamp" ] && [ -z "$(find "$root/src" "$root/Directory.Build.props" "$root/Directory.Packages.props" -newer "$stamp" -type f -print -quit)" ]; then
  exit 0
fi
# The first build restores packages and compiles for about a minute: say so, or the wrapper looks hung.
echo "Building retrain and label-image into .artifacts/bin (first run or sources changed; about a minute)..." >&2
for project in Retrain.Cli LabelImage.Cli; do
  dotnet publish "$root/src/$project/$project.csproj" -c Release -o "$out" --nologo -v quiet >&2
done
touch "$stamp"
