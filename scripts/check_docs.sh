#!/usr/bin/env bash
# Docs coverage: fails when a public item lacks the `**asyncio:**` line or a runnable example, and lists
# the offenders. Needs only python3. Arguments: crate directories (default: core time net), --summary.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/check_docs.py "$@"
