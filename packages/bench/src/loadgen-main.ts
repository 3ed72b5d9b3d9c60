#!/usr/bin/env node
// The load generator process. The orchestrator forks it once per measurement and sends one
// LoadgenRequest over the IPC channel; it answers with one LoadgenReply and exits. For the idle
// test it answers 'holding' once the connections are open and closes them on 'release'.
import { bulk, connRate, holdIdle, roundTrip } from './loadgen.js';
import type { LoadgenReply, LoadgenRequest, LoadgenResult } from './loadgen-protocol.js';

function reply(message: LoadgenReply): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

const cpu0 = process.cpuUsage();
const wall0 = process.hrtime.bigint();

/** The result, with the generator's own CPU time so a saturated generator shows in the report. */
function result(r: LoadgenResult): Promise<void> {
  const cpu = process.cpuUsage(cpu0);
  return reply({
    type: 'result',
    result: r,
    loadgenCpuMs: (cpu.user + cpu.system) / 1000,
    wallMs: Number(process.hrtime.bigint() - wall0) / 1e6,
  });
}

async function handle(req: LoadgenRequest): Promise<void> {
  const target = { host: req.host, port: req.port, preamble: Buffer.from(req.preambleHex, 'hex') };
  switch (req.test) {
    case 'conn':
      await result(await connRate({ ...target, ...req.conn }));
      return;
    case 'rtt':
      await result(await roundTrip({ ...target, ...req.rtt }));
      return;
    case 'bulk':
      await result(await bulk({ ...target, ...req.bulk }));
      return;
    case 'idle': {
      const hold = await holdIdle({ ...target, ...req.idle });
      await new Promise<void>((resolve) => {
        process.once('message', () => resolve());
        void reply({ type: 'holding', open: hold.open, errors: hold.errors });
      });
      hold.release();
      await result({ open: hold.open, errors: hold.errors });
      return;
    }
    case 'wcf': {
      const { wcfCalls } = await import('./wcf-loadgen.js');
      await result(await wcfCalls({ host: req.host, port: req.port, ...req.wcf }));
      return;
    }
  }
}

process.once('message', (req: LoadgenRequest) => {
  handle(req).then(
    () => process.exit(0),
    async (err: unknown) => {
      await reply({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    },
  );
});
