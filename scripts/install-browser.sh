#!/usr/bin/env bash
# Best effort: install Debian's chromium so the report tests can open the HTML report in a real browser.
# Never fails: without a browser those tests skip and say why, and the report is still checked structurally.
set -u
for name in chromium chromium-browser google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then
        exit 0
    fi
done
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: no chromium, and apt-get as root is not available here; browser tests will skip" >&2
    exit 0
fi
echo "install-browser: installing Debian's chromium for the report tests" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; } >/dev/null 2>&1; then
    echo "install-browser: could not install chromium; browser tests will skip" >&2
fi
exit 0
