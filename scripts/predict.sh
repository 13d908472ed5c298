#!/usr/bin/env bash
# label-image with label_image.py's flags, e.g.:
#   scripts/predict.sh --graph out/output_graph.pb --labels out/output_labels.txt --image daisy.jpg
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh"
exec dotnet "$root/.artifacts/bin/label-image.dll" "$@"
