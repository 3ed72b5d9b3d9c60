// `portshare config validate` binds, for a moment, each port the service would bind at start
// (reservedPorts, static routes' ports, metrics.port): a port another program holds is refused
// with its key (exit 78) before a restart fails on it; a port this instance's running service
// holds is fine, since a restart takes its sockets over (docs/operations.md). Real sockets and a
// real daemon.
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { letOthersRun } from '@portshare/test-utils';
import { freePort, makeHome, runCli, runJson, type Home } from './helpers.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

/** Another program's listening socket on 0.0.0.0, on a port of its own. */
async function otherProgram(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('portshare config validate checks the ports the service binds', () => {
  let h: Home;
  let other: { server: Server; port: number };
  beforeAll(async () => {
    h = makeHome();
    other = await otherProgram();
  });
  afterAll(() => {
    other.server.close();
    h.cleanup();
  });

  const candidate = (config: Record<string, unknown>): string => {
    const file = join(h.home, 'candidate.json');
    writeFileSync(file, JSON.stringify(config));
    return file;
  };

  it('refuses a reserved port another program holds, naming the key, the port and what to do (exit 78)', async () => {
    const r = await runCli(['config', 'validate', candidate({ reservedPorts: [other.port] })], h.home);
    expect(r.code, r.stderr).toBe(78);
    const message = r.stderr.replace(/\s*›\s*/g, ' ');
    expect(message).toContain(`'reservedPorts[0]' (port ${other.port}) is in use on 0.0.0.0 by another program (EADDRINUSE)`);
    expect(message).toContain('free the port, or remove it from reservedPorts');
    expect(r.stderr).toContain('SERVICE_ERR_BAD_CONFIG');
    const j = await runJson<{ error: { code: string; exitCode: number; message: string } }>(['config', 'validate', candidate({ metrics: { port: other.port } })], h.home);
    expect(j.json.error).toMatchObject({ code: 'SERVICE_ERR_BAD_CONFIG', exitCode: 78 });
    expect(j.json.error.message).toContain(`'metrics.port' (${other.port}) is in use on 127.0.0.1 by another program (EADDRINUSE)`);
  });

  it('accepts free ports', async () => {
    const r = await runCli(['config', 'validate', candidate({ reservedPorts: [await freePort()], metrics: { port: await freePort() } })], h.home);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('is valid (2 settings from the file');
  });

  describe("with the instance's service running", () => {
    let reserved: number;
    let metrics: number;
    beforeAll(async () => {
      reserved = await freePort();
      metrics = await freePort();
      writeFileSync(h.paths.configFile, JSON.stringify({ reservedPorts: [reserved], metrics: { port: metrics } }));
      expect((await runCli(['enable'], h.home)).code).toBe(0);
      const started = await runCli(['start', '--detach'], h.home);
      expect(started.code, started.stderr).toBe(0);
    });
    afterAll(async () => {
      await runCli(['stop'], h.home);
    });

    it('accepts the ports it holds: a restart takes them over', async () => {
      const own = await runCli(['config', 'validate'], h.home);
      expect(own.code, own.stderr).toBe(0);
      const next = await runCli(['config', 'validate', candidate({ reservedPorts: [reserved], metrics: { port: metrics }, maxPendingConnections: 50 })], h.home);
      expect(next.code, next.stderr).toBe(0);
    });

    it('still refuses a port another program holds beside them', async () => {
      const r = await runCli(['config', 'validate', candidate({ reservedPorts: [reserved, other.port], metrics: { port: metrics } })], h.home);
      expect(r.code, r.stderr).toBe(78);
      expect(r.stderr.replace(/\s*›\s*/g, ' ')).toContain(`'reservedPorts[1]' (port ${other.port}) is in use on 0.0.0.0 by another program`);
    });

    it.runIf(asRoot)('run by an account that may not ask the service, says so rather than blaming another program', async () => {
      letOthersRun();
      // The log goes to stderr: nobody could not write the instance's log file, which is checked first.
      const r = await runCli(['config', 'validate', candidate({ reservedPorts: [reserved], log: { file: '-' } })], h.home, { uid: NOBODY, gid: NOBODY });
      expect(r.code, r.stderr).toBe(78);
      const message = r.stderr.replace(/\s*›\s*/g, ' ');
      expect(message).toContain(`'reservedPorts[0]' (port ${reserved}) is in use on 0.0.0.0 by another program, or by this instance's portshare service`);
      expect(message).toContain('could not be asked which ports it holds');
    });
  });
});
