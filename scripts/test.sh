#!/usr/bin/env bash
# The one test command (`npm test`): static checks first, then every jest project.
# Browser tests need Debian's Chromium; on a fresh Debian machine run as root we install it,
# anywhere else we stop with the command to run rather than skip those tests silently.
set -euo pipefail
cd "$(dirname "$0")/.."

# fonts-wqy-microhei only makes the zh-CN screenshots legible; the tests pass without it.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests (apt-get install -y chromium)..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
  else
    echo "The browser tests need /usr/bin/chromium: run 'sudo apt-get install -y chromium fonts-wqy-microhei' first." >&2
    exit 1
  fi
fi

npm run --silent lint
npm run --silent typecheck
results=$(mktemp)
trap 'rm -f "$results"' EXIT
status=0
npx jest --ci --json --outputFile="$results" "$@" 2>&1 || status=$?
node scripts/print-test-summary.cjs "$results"
exit "$status"
