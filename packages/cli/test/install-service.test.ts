// `portshare install-service` / `uninstall-service` against a staged root, and the generated units
// checked by systemd's own parser (`systemd-analyze verify`, Debian's systemd package).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderUnits, serviceMainPath, unitWord } from '../src/index.js';
import { runCli } from './helpers.js';

const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
if (!hasAnalyze && process.env.CI) throw new Error('systemd-analyze is missing: .ci/run installs the systemd package');
if (!hasAnalyze) console.warn('systemd-analyze not found (apt-get install systemd): unit verification skipped');

/** systemd-analyze verify on unit files: exit 0 and nothing said (a directive it ignores is only a warning). */
function verify(...files: string[]): { status: number | null; output: string } {
  // In a container without systemd as PID 1 it still parses the files; it only needs not to talk to a manager.
  const r = spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_LEVEL: 'notice' } });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

let root: string;
beforeEach(() => {
  root = mkdtempSync('/tmp/psu-');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The CLI for the system instance (no PORTSHARE_HOME), writing under the staged root. */
const run = (args: string[]) => runCli([...args, '--root', root, '--no-reload'], root, { env: { PORTSHARE_HOME: undefined } });
const unitDir = () => join(root, 'etc', 'systemd', 'system');

describe('install-service', () => {
  it('writes the three units with ExecStart at this installation, and systemd-analyze accepts them', async () => {
    const r = await run(['install-service', '--listen', '808', '--listen', '127.0.0.1:8080', '--listen', '[::1]:9090']);
    expect(r.code, r.stderr).toBe(0);
    const service = readFileSync(join(unitDir(), 'portshare.service'), 'utf8');
    const socket = readFileSync(join(unitDir(), 'portshare.socket'), 'utf8');
    expect(service).toMatch(/^# Written by `portshare install-service`/);
    expect(service).toContain(`ExecStart=${process.execPath} ${serviceMainPath()}\n`);
    // A reload is a takeover by a new daemon (docs/operations.md), which then names itself MAINPID.
    expect(service).toContain(`ExecReload=${process.execPath} ${serviceMainPath()} --reload\n`);
    expect(service).toContain("NotifyAccess=all\n");
    expect(service).toContain('Type=notify\n');
    expect(service).toContain('Restart=on-failure\n');
    expect(service).toMatch(/^CapabilityBoundingSet=.*CAP_NET_BIND_SERVICE.*$/m);
    expect(service).toMatch(/^CapabilityBoundingSet=.*CAP_SETUID CAP_SETGID.*$/m);
    expect(service).not.toMatch(/@[A-Z_]+@/);
    expect(socket).toContain('ListenStream=808\nListenStream=127.0.0.1:8080\nListenStream=[::1]:9090\n');
    expect(socket).toContain('FileDescriptorName=portshare\n');
    // The control socket starts the service when a worker connects (on-demand start under systemd).
    const control = readFileSync(join(unitDir(), 'portshare-control.socket'), 'utf8');
    expect(control).toContain('ListenStream=/run/portshare/control.sock\n');
    expect(control).toContain('FileDescriptorName=control\n');
    expect(control).toContain('SocketMode=0666\n');
    expect(control).toContain('Service=portshare.service\n');
    if (hasAnalyze) {
      const files = ['portshare.service', 'portshare.socket', 'portshare-control.socket'].map((f) => join(unitDir(), f));
      expect(verify(...files)).toEqual({ status: 0, output: '' });
    }
  });

  it('systemd-analyze refuses a unit whose ExecStart does not exist (the check is real)', () => {
    if (!hasAnalyze) return;
    const units = renderUnits({ execStart: ['/nonexistent/node', '/x.js'], listen: ['808'] });
    mkdirSync(unitDir(), { recursive: true });
    writeFileSync(join(unitDir(), 'portshare.service'), units['portshare.service']);
    const r = verify(join(unitDir(), 'portshare.service'));
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('/nonexistent/node');
  });

  it('quotes and escapes ExecStart words systemd would split or expand', () => {
    expect(unitWord('/usr/bin/node')).toBe('/usr/bin/node');
    expect(unitWord('/opt/my node/bin/node')).toBe('"/opt/my node/bin/node"');
    expect(unitWord('/opt/100%/a$b')).toBe('/opt/100%%/a$$b');
    if (!hasAnalyze) return;
    // A Node binary in a folder whose name has a space and a '%': systemd must find it.
    const odd = join(root, 'my node %i');
    mkdirSync(odd);
    symlinkSync(process.execPath, join(odd, 'node'));
    const units = renderUnits({ execStart: [join(odd, 'node'), serviceMainPath()], listen: ['808'] });
    mkdirSync(unitDir(), { recursive: true });
    writeFileSync(join(unitDir(), 'portshare.service'), units['portshare.service']);
    writeFileSync(join(unitDir(), 'portshare.socket'), units['portshare.socket']);
    expect(verify(join(unitDir(), 'portshare.service'), join(unitDir(), 'portshare.socket'))).toEqual({ status: 0, output: '' });
  });

  it('refuses a --listen that is not a port (usage error, exit 2)', async () => {
    for (const bad of ['0', '65536', 'http', 'localhost:808', '1.2.3.4:']) {
      const r = await run(['install-service', '--listen', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toContain('is not a port');
    }
    expect(existsSync(unitDir())).toBe(false);
  });

  it("replaces its own units, refuses one it did not write (CLI_ERR_SERVICE_UNIT) unless --force", async () => {
    expect((await run(['install-service'])).code).toBe(0);
    expect((await run(['install-service', '--listen', '809'])).code).toBe(0);
    expect(readFileSync(join(unitDir(), 'portshare.socket'), 'utf8')).toContain('ListenStream=809\n');
    writeFileSync(join(unitDir(), 'portshare.service'), '[Service]\nExecStart=/bin/true\n');
    const refused = await run(['install-service']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('CLI_ERR_SERVICE_UNIT');
    expect(readFileSync(join(unitDir(), 'portshare.service'), 'utf8')).toBe('[Service]\nExecStart=/bin/true\n');
    expect((await run(['install-service', '--force'])).code).toBe(0);
    expect(readFileSync(join(unitDir(), 'portshare.service'), 'utf8')).toContain('Type=notify');
  });

  it('does not write through a link planted at the unit path', async () => {
    mkdirSync(unitDir(), { recursive: true });
    const target = join(root, 'elsewhere');
    writeFileSync(target, 'precious\n');
    symlinkSync(target, join(unitDir(), 'portshare.service'));
    const r = await run(['install-service']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CLI_ERR_SERVICE_UNIT');
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
  });

  it('refuses to install for a --home instance', async () => {
    const r = await runCli(['install-service', '--root', root, '--no-reload'], root);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CLI_ERR_SERVICE_UNIT');
  });
});

describe('uninstall-service', () => {
  it("removes the units and the links 'systemctl enable' made", async () => {
    expect((await run(['install-service'])).code).toBe(0);
    mkdirSync(join(unitDir(), 'sockets.target.wants'));
    symlinkSync(join(unitDir(), 'portshare.socket'), join(unitDir(), 'sockets.target.wants', 'portshare.socket'));
    const r = await runCli(['uninstall-service', '--root', root, '--no-reload', '--json'], root, { env: { PORTSHARE_HOME: undefined } });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { removed: string[] }).removed).toHaveLength(4);
    expect(existsSync(join(unitDir(), 'portshare.service'))).toBe(false);
    expect(existsSync(join(unitDir(), 'portshare.socket'))).toBe(false);
    expect(existsSync(join(unitDir(), 'sockets.target.wants', 'portshare.socket'))).toBe(false);
    expect((await run(['uninstall-service'])).code).toBe(0); // nothing left: still fine
  });

  it('leaves a unit it did not write unless --force', async () => {
    mkdirSync(unitDir(), { recursive: true });
    writeFileSync(join(unitDir(), 'portshare.service'), '[Service]\nExecStart=/bin/true\n');
    const r = await run(['uninstall-service']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CLI_ERR_SERVICE_UNIT');
    expect(existsSync(join(unitDir(), 'portshare.service'))).toBe(true);
    expect((await run(['uninstall-service', '--force'])).code).toBe(0);
    expect(existsSync(join(unitDir(), 'portshare.service'))).toBe(false);
  });
});
