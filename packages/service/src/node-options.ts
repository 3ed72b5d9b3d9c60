/**
 * The Node options the daemon is meant to run with; `portshare enable` records them in the start
 * command and the `portshare-service` bin passes them on its `#!` line.
 *
 * `--optimize-for-size`: a burst of connections makes V8 grow its young generation (4 MB to
 * 34 MB) and keep it, although the daemon holds nothing per handed-off connection; with this
 * option 10,000 hand-offs add 8.5 MB to the daemon's RSS instead of 21–35 MB, at the same CPU
 * per connection (docs/benchmarks.md, daemon memory). V8 reads it when the heap is set up, so it
 * must be on the command line: setting it from the running program is not supported.
 */
export const DAEMON_NODE_OPTIONS: readonly string[] = Object.freeze(['--optimize-for-size']);
