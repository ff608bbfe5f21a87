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

# PostgreSQL and Redis for the scale-out tests (scripts/services.sh starts them as an
# unprivileged user); without them those tests fail rather than skip.
if ! command -v redis-server >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's postgresql and redis-server for the scale-out tests..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server >/dev/null
  else
    echo "The scale-out tests need PostgreSQL and Redis: run 'sudo apt-get install -y postgresql redis-server' first." >&2
    exit 1
  fi
fi
scripts/services.sh start >/dev/null

npm run --silent lint
npm run --silent typecheck
results=$(mktemp)
trap 'rm -f "$results"' EXIT
status=0
npx jest --ci --json --outputFile="$results" "$@" 2>&1 || status=$?
node scripts/print-test-summary.cjs "$results"
exit "$status"
