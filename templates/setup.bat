@echo off
rem Starts {{TITLE}} v{{VERSION}}. Needs Node.js {{MIN_NODE}} or newer (https://nodejs.org).
setlocal
cd /d "%~dp0"
where node >nul 2>nul
if errorlevel 1 (
  echo {{TITLE}} needs Node.js {{MIN_NODE}} or newer. Install it from https://nodejs.org ^(the LTS version^), then run this again.
  pause
  exit /b 1
)
node -e "const [a, b] = process.versions.node.split('.').map(Number); const [x, y] = '{{MIN_NODE}}'.split('.').map(Number); process.exit(a > x || (a === x && b >= y) ? 0 : 1)"
if errorlevel 1 (
  echo {{TITLE}} needs Node.js {{MIN_NODE}} or newer. Update it from https://nodejs.org, then run this again.
  pause
  exit /b 1
)
node {{SCRIPT}} %*
if errorlevel 1 pause
