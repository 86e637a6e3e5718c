#!/usr/bin/env bash
# Installs wrk (the HTTP load generator of the hyper benchmark) from Debian's packages when it is missing.
set -euo pipefail
command -v wrk >/dev/null 2>&1 && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "scripts/install_wrk.sh: the HTTP benchmark needs wrk (Debian: apt-get install wrk)" >&2
    exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
$sudo apt-get update -q
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk
