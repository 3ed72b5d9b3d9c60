import { describe, expect, it } from 'vitest';
import { BenchErrorCodes } from '../src/errors.js';
import { checkErrors } from '../src/harness.js';
import { BenchLimits, fullOptions, parseCommandLine, smokeOptions, validateOptions, type BenchOptions } from '../src/options.js';

const with_ = (patch: Partial<BenchOptions>): BenchOptions => ({ ...fullOptions(), ...patch });
/** The options pass validation with these values unchanged. */
const accepts = (patch: Partial<BenchOptions>): void => {
  const o = validateOptions(with_(patch));
  for (const [key, value] of Object.entries(patch)) expect(o[key as keyof BenchOptions]).toEqual(value);
};
const rejects = (patch: Partial<BenchOptions>): void => {
  expect(() => validateOptions(with_(patch))).toThrow(expect.objectContaining({ code: BenchErrorCodes.BadOption }));
};

describe('option limits: at the edge and just past it', () => {
  it('rounds: 1..maxRounds', () => {
    accepts({ rounds: BenchLimits.maxRounds });
    rejects({ rounds: BenchLimits.maxRounds + 1 });
    accepts({ rounds: 1 });
    rejects({ rounds: 0 });
  });

  it('connection-test concurrency stops at the daemon’s maxPendingConnections', () => {
    accepts({ connConcurrency: 100 });
    rejects({ connConcurrency: 101 });
  });

  it('round-trip concurrency: 1..1000', () => {
    accepts({ rttConcurrency: 1000 });
    rejects({ rttConcurrency: 1001 });
  });

  it('messages fit the worker’s maxMessageSize (65536)', () => {
    accepts({ bulkMessageBytes: 65_536 });
    rejects({ bulkMessageBytes: 65_537 });
    rejects({ rttMessageBytes: 65_537 });
  });

  it('bulk: at least one message, at most 64 GiB', () => {
    accepts({ bulkBytes: 65_536 });
    rejects({ bulkBytes: 65_535 });
    accepts({ bulkBytes: BenchLimits.maxBulkBytes });
    rejects({ bulkBytes: BenchLimits.maxBulkBytes + 1 });
  });

  it('idle connections fit the ephemeral port range', () => {
    accepts({ idleConnections: 28_000 });
    rejects({ idleConnections: 28_001 });
  });

  it('durations: 100 ms..10 min', () => {
    accepts({ connDurationMs: 100 });
    rejects({ connDurationMs: 99 });
    accepts({ rttDurationMs: 600_000 });
    rejects({ rttDurationMs: 600_001 });
  });

  it('bulk stall timeout: 100 ms..10 min', () => {
    accepts({ bulkStallTimeoutMs: 100 });
    rejects({ bulkStallTimeoutMs: 99 });
    accepts({ bulkStallTimeoutMs: 600_000 });
    rejects({ bulkStallTimeoutMs: 600_001 });
  });

  it('warm-up: none (0), or a test length', () => {
    accepts({ warmupMs: 0 });
    accepts({ warmupMs: 100 });
    rejects({ warmupMs: 99 });
  });

  it('route sizes: the large table is not smaller than the small one', () => {
    accepts({ routeRegistrations: [10, 10] });
    rejects({ routeRegistrations: [10, 9] });
  });

  it('quiet gate: a busy share above 0 and at most 1', () => {
    accepts({ quietBusyShare: 1 });
    rejects({ quietBusyShare: 1.01 });
    rejects({ quietBusyShare: 0 });
    expect(parseCommandLine(['--no-quiet-wait'], undefined).options.quietBusyShare).toBe(1);
    expect(parseCommandLine(['--smoke'], undefined).options.quietBusyShare).toBe(1);
  });

  it('configurations: known names only, at least one', () => {
    rejects({ configurations: [] });
    rejects({ configurations: ['nginx' as 'direct'] });
  });
});

describe('checkErrors (maxErrorRatio)', () => {
  it('accepts a failure share at the limit and refuses one just past it', () => {
    expect(() => checkErrors('t', 95, 5, 0.05)).not.toThrow();
    expect(() => checkErrors('t', 94, 6, 0.05)).toThrow(expect.objectContaining({ code: BenchErrorCodes.MeasurementFailed }));
  });

  it('refuses a measurement that completed nothing', () => {
    expect(() => checkErrors('t', 0, 0, 0.05)).toThrow(/no attempt succeeded/);
  });
});

describe('command line', () => {
  it('starts from the full preset and writes to the default file', () => {
    const { options, help } = parseCommandLine([], '/x/latest.json');
    expect(help).toBe(false);
    expect(options).toMatchObject({ smoke: false, rounds: 5, connConcurrency: 32, bulkBytes: 1024 ** 3, idleConnections: 10_000, out: '/x/latest.json' });
  });

  it('--smoke takes the smoke preset and writes nothing unless --out is given', () => {
    expect(parseCommandLine(['--', '--smoke'], '/x/latest.json').options).toMatchObject({ ...smokeOptions(), out: undefined });
    expect(parseCommandLine(['--smoke', '--out', '/tmp/s.json'], '/x').options.out).toBe('/tmp/s.json');
  });

  it('reads --only, --rounds, durations, sizes and --no-wcf', () => {
    const { options } = parseCommandLine(
      ['--only', 'direct, handoff', '--rounds', '5', '--conn-seconds', '2.5', '--rtt-seconds', '1', '--bulk-mib', '64', '--idle', '2000', '--no-wcf'],
      undefined,
    );
    expect(options).toMatchObject({
      configurations: ['direct', 'handoff'],
      rounds: 5,
      connDurationMs: 2500,
      rttDurationMs: 1000,
      bulkBytes: 64 * 1024 * 1024,
      idleConnections: 2000,
      wcf: false,
    });
  });

  it('passes node options to the daemons, and only options', () => {
    expect(parseCommandLine(['--daemon-node-args', ' --max-semi-space-size=1  --optimize-for-size'], undefined).options.daemonNodeArgs).toEqual([
      '--max-semi-space-size=1',
      '--optimize-for-size',
    ]);
    expect(parseCommandLine(['--cpu-prof', '/tmp/p'], undefined).options.profileDir).toBe('/tmp/p');
  });

  it('refuses unknown flags, non-numbers and unknown configurations with BENCH_ERR_BAD_OPTION', () => {
    for (const argv of [['--fast'], ['--rounds', 'many'], ['--only', 'direct,nginx'], ['--idle', '30000'], ['--daemon-node-args', 'semi=1']]) {
      expect(() => parseCommandLine(argv, undefined)).toThrow(expect.objectContaining({ code: BenchErrorCodes.BadOption }));
    }
  });
});
