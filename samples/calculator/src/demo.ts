#!/usr/bin/env node
// The README's first command: a private portshare instance, port sharing enabled there, the daemon
// started, two calculator services sharing one port, the client run against each, the status
// shown, and everything stopped at the end.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(dirname(createRequire(import.meta.url).resolve('@portshare/cli/package.json')), 'bin', 'run.js');
const port = Number(process.env['CALCULATOR_PORT'] ?? 9000);
const home = mkdtempSync(join(tmpdir(), 'portshare-demo-'));
const env = { ...process.env, PORTSHARE_HOME: home, CALCULATOR_PORT: String(port) };
const children: ChildProcess[] = [];

function say(text: string): void {
  process.stdout.write(`\n\x1b[1m${text}\x1b[0m\n`);
}

function portshare(...args: string[]): void {
  process.stdout.write(`$ portshare ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { env, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`'portshare ${args.join(' ')}' exited with ${r.status}`);
}

function portFree(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(p, () => s.close(() => resolve(true)));
  });
}

/** Starts a calculator service and resolves with its number once it prints its address. */
function startService(): Promise<{ salt: number; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [join(here, 'service.js')], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      const before = out.length;
      out += c.toString();
      process.stdout.write(out.slice(before));
      const m = /Service #(\d+) listening/.exec(out);
      if (m && out.includes('Press <ENTER>')) resolve({ salt: Number(m[1]), proc });
    });
    proc.once('exit', (code) => reject(new Error(`the calculator service exited with ${code}`)));
  });
}

/** Runs the client as a person would: type the number, read the results, press ENTER. */
function runClient(salt: number): Promise<void> {
  const proc = spawn(process.execPath, [join(here, 'client.js')], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      const text = c.toString();
      out += text;
      process.stdout.write(text);
      if (text.includes('Enter the service number to test: ')) {
        process.stdout.write(`${salt}\n`);
        proc.stdin!.write(`${salt}\n`);
      }
      if (text.includes('Press <ENTER> to terminate client.')) proc.stdin!.end('\n');
    });
    proc.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the client exited with ${code}: ${out}`))));
  });
}

function stopService(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.stdin!.end('\n'); // "Press <ENTER> to terminate service."
  });
}

async function main(): Promise<void> {
  if (!(await portFree(port))) {
    throw new Error(`Port ${port} is in use. Stop what listens there, or run the demo with CALCULATOR_PORT=<another port>.`);
  }
  say(`A private portshare instance in ${home}. Port sharing is disabled until an administrator enables it:`);
  portshare('enable');
  say('Start the sharing service:');
  portshare('start', '--detach');
  say(`Two copies of the calculator service, both on port ${port}:`);
  const a = await startService();
  const b = await startService();
  say(`The client, against service #${a.salt}:`);
  await runClient(a.salt);
  say(`The client, against service #${b.salt}:`);
  await runClient(b.salt);
  say('What the sharing service saw:');
  portshare('status');
  say('Stopping the services (ENTER), then the sharing service:');
  await stopService(a.proc);
  await stopService(b.proc);
  portshare('stop');
}

let cleaned = false;
function cleanup(): void {
  if (cleaned) return;
  cleaned = true;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  spawnSync(process.execPath, [cli, 'stop'], { env, stdio: 'ignore' });
  rmSync(home, { recursive: true, force: true });
}

// Interrupted (Ctrl-C, a closed pipe): still leave nothing running.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    cleanup();
    process.exit(130);
  });
}
process.stdout.on('error', () => {
  cleanup();
  process.exit(1);
});

main().then(
  () => {
    cleanup();
    say('Done: nothing is left running.');
  },
  (err: Error) => {
    cleanup();
    process.stderr.write(`\ndemo failed: ${err.message}\n`);
    process.exit(1);
  },
);
