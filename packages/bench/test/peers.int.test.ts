// HAProxy and sslh with the configurations the benchmark generates: they must really route on the
// via (a preamble for another path must not reach the worker), or the comparison is meaningless.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession } from '../src/loadgen.js';
import { findHaproxy, findSslh } from '../src/peers.js';
import { BenchSetup } from '../src/setup.js';
import { benchPreamble, benchVia } from '../src/wire.js';

const peers = [findHaproxy(), findSslh()];
const missing = peers.filter((p) => p.path === undefined).map((p) => p.name);
if (missing.length > 0 && process.env['CI']) {
  throw new Error(`${missing.join(' and ')} must be installed in CI (.ci/run installs them).`);
}
if (missing.length > 0) console.warn(`${missing.join(' and ')} not installed: their routing tests are skipped (CI fails instead).`);
const present = peers.filter((p) => p.path !== undefined).map((p) => p.name);

describe.runIf(present.length > 0)('third-party routers, as configured by the benchmark', () => {
  let setup: BenchSetup;

  beforeAll(async () => {
    setup = await BenchSetup.start({ configurations: present, fdLimit: 65_536, readyTimeoutMs: 15_000 });
  });

  afterAll(async () => {
    await setup?.stop();
  });

  it.each(present)('%s forwards the benchmark via to the worker and refuses another path', async (name) => {
    const e = setup.endpoint(name);
    const socket = await openSession({ host: '127.0.0.1', port: e.port, preamble: e.preamble }, 5000);
    socket.destroy();
    const viaPort = Number(/:(\d+)\//.exec(e.via)![1]);
    const other = benchPreamble(benchVia(viaPort, '/other/echo'));
    await expect(openSession({ host: '127.0.0.1', port: e.port, preamble: other }, 5000)).rejects.toThrow();
  });
});
