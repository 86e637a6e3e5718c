#!/usr/bin/env bash
# A bounded soak (not in CI): thousands of connections through `echo_protocol`, then through `proxy` in
# front of `echo`, with resets, reconnects and slow readers mixed in and every byte verified; the
# servers' RSS and descriptors are sampled every second (benches/soak.rs). Exits non-zero if a byte is
# wrong or lost or if memory or descriptors grow once the load is steady.
#
#   scripts/soak.sh [SECS]            both servers, SECS each (default 180)
#   SOAK_CONNS=2000 scripts/soak.sh   fewer connections (defaults: 9000 echo_protocol, 6000 proxy:
#                                     the hard descriptor limit is 20 000 per process and the proxy
#                                     holds two per connection)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-180}"
cargo build --release --example echo_protocol --example echo --example proxy
status=0
for server in echo_protocol proxy; do
    default=9000
    [ "$server" = proxy ] && default=6000
    cargo bench -p tulip-benches --bench soak -- "$server" "${SOAK_CONNS:-$default}" "$secs" || status=1
done
exit "$status"
