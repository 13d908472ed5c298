#!/usr/bin/env bash
# Installs headless Chromium (Debian's `chromium` package) for the report's browser test, when it is missing.
# Prints the browser's path and exits 0, or exits non-zero when it cannot be installed (not root, no package source).
set -euo pipefail
find_browser() {
  for name in chromium chromium-browser; do
    if command -v "$name" >/dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
  done
  return 1
}
if find_browser; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium is missing and installing it needs root: run 'apt-get update && apt-get install -y chromium' as root." >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium >&2
find_browser
