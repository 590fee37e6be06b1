#!/usr/bin/env bash
# Chromium for the admin's browser tests (tests/admin/test_browser.py drives /usr/bin/chromium with Playwright).
# Idempotent and quick when already installed. Never run `playwright install`: it downloads its own browser.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium
/usr/bin/chromium --version
