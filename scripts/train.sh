#!/usr/bin/env bash
# retrain with retrain.py's flags, e.g.:
#   scripts/train.sh --image_dir ~/flower_photos --tfhub_module ../shared/models/mobilenet_v1_0.25_224/frozen_graph.pb
# Builds the Release binaries on first use (and after source changes), then runs them; all flags pass through.
# With --device cuda it builds and runs the CUDA build (docs/gpu.md).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/commands.sh"
exec dotnet "$bin/retrain.dll" "$@"
