/**
 * The Node options the daemon is meant to run with; `portshare enable` records them in the start
 * command and the `portshare-service` bin passes them on its `#!` line.
 *
 * `--max-semi-space-size=1`: under a burst of connections V8 grows its young generation from
 * 4 MB to 34 MB and keeps it, although the daemon holds nothing per handed-off connection. Capped
 * at 1 MB per semi-space, 10,000 hand-offs add about 16 MB to the daemon's RSS instead of 21–35 MB,
 * at the same CPU per connection. (`--optimize-for-size` gets it to 6.5 MB but costs the daemon
 * 40 % more CPU per connection, more than the hand-off is worth: docs/benchmarks.md, daemon memory.)
 * V8 sizes the heap when it starts, so this must be on the command line.
 */
export const DAEMON_NODE_OPTIONS: readonly string[] = Object.freeze(['--max-semi-space-size=1']);
