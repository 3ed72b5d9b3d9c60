// Issue 7: the Net.TCP Port Sharing sample across implementations. The sample's C# client (its code
// from the sample's page, csharp/CalculatorClient.cs) calls the TypeScript calculator service
// (samples/calculator) through the sharing daemon, and the TypeScript client calls the sample's C#
// service; every run must print the page's transcript line for line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CalculatorSample,
  ChildProgram,
  type CompiledPrograms,
  calculatorStarted,
  compileCSharp,
  freePort,
  type PrivateDaemon,
  type RunningCalculator,
  runCalculatorClient,
  SAMPLE_TRANSCRIPT,
  skipWithout,
  startMono,
  startPrivateDaemon,
  startTsCalculatorService,
} from '../src/index.js';
import { daemonStatus } from './helpers.js';

describe.skipIf(skipWithout('mcs', 'mono'))('the Net.TCP Port Sharing sample across implementations', () => {
  let programs: CompiledPrograms;
  let daemon: PrivateDaemon | undefined;
  const services: RunningCalculator[] = [];
  let sharedPort = 0;

  beforeAll(async () => {
    programs = compileCSharp();
    daemon = await startPrivateDaemon();
    sharedPort = await freePort();
  });

  afterAll(async () => {
    await Promise.allSettled(services.map((s) => s.stop()));
    await daemon?.stop();
  });

  const tsClient = (port: number): ChildProgram =>
    ChildProgram.start(process.execPath, [CalculatorSample.client, '--port', String(port)], { name: 'calculator client.js' });

  it('two copies of the TypeScript service share one port through the daemon', async () => {
    services.push(await startTsCalculatorService(sharedPort, daemon!.home));
    services.push(await startTsCalculatorService(sharedPort, daemon!.home));
    const [a, b] = services;
    expect(a!.salt).not.toBe(b!.salt);
    for (const s of [a!, b!]) expect(s.address).toBe(`net.tcp://localhost:${sharedPort}/calculator/${s.salt}`);
    const status = await daemonStatus(daemon!.paths);
    expect(status.registrations.map((r) => r.uri).sort()).toEqual([a!.address, b!.address].sort());
  });

  it("the sample's C# client prints the page's transcript against each TypeScript service", async () => {
    for (const service of services) {
      const lines = await runCalculatorClient(startMono(programs.calculatorClient, [String(sharedPort)]), service.salt);
      expect(lines).toEqual([...SAMPLE_TRANSCRIPT]);
    }
    const status = await daemonStatus(daemon!.paths);
    expect(status.counters.connectionsDispatched).toBeGreaterThanOrEqual(services.length);
  });

  it('the TypeScript client prints the same transcript against the TypeScript service', async () => {
    const lines = await runCalculatorClient(tsClient(sharedPort), services[0]!.salt);
    expect(lines).toEqual([...SAMPLE_TRANSCRIPT]);
  });

  it("the TypeScript client prints the same transcript against the sample's C# service", async () => {
    const port = await freePort();
    const mono = await calculatorStarted(startMono(programs.calculatorService, [String(port)]));
    try {
      expect(mono.address).toBe(`net.tcp://localhost:${port}/calculator/${mono.salt}`);
      const lines = await runCalculatorClient(tsClient(port), mono.salt);
      expect(lines).toEqual([...SAMPLE_TRANSCRIPT]);
      // And the C# client against its own service, the reference run.
      const reference = await runCalculatorClient(startMono(programs.calculatorClient, [String(port)]), mono.salt);
      expect(reference).toEqual(lines);
    } finally {
      await mono.stop();
    }
  });
});
