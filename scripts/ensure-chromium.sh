#!/usr/bin/env bash
# Make sure headless Chromium and ChromeDriver (Debian packages) are there for the browser tests.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "installing chromium and chromium-driver from Debian's packages" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
else
  echo "chromium/chromedriver missing and cannot install them here (need root and apt-get);" \
       "browser tests will be skipped" >&2
fi
