#!/bin/sh
# Starts {{TITLE}} v{{VERSION}}. Needs Node.js {{MIN_NODE}} or newer (https://nodejs.org).
cd "$(dirname "$0")" || exit 1
if ! command -v node >/dev/null 2>&1; then
  echo "{{TITLE}} needs Node.js {{MIN_NODE}} or newer. Install it from https://nodejs.org (the LTS version), then run this again."
  exit 1
fi
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); const [x, y] = "{{MIN_NODE}}".split(".").map(Number); process.exit(a > x || (a === x && b >= y) ? 0 : 1)'; then
  echo "{{TITLE}} needs Node.js {{MIN_NODE}} or newer; this computer has $(node --version). Update it from https://nodejs.org, then run this again."
  exit 1
fi
exec node {{SCRIPT}} "$@"
