#!/usr/bin/env bash
# label-image with label_image.py's flags, e.g.:
#   scripts/predict.sh --graph out/output_graph.pb --labels out/output_labels.txt --image daisy.jpg
# With --device cuda it builds and runs the CUDA build (docs/gpu.md).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/commands.sh"
exec dotnet "$bin/label-image.dll" "$@"
