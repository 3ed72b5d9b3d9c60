// The harness's own limits, with real child processes (node -e).
import { describe, expect, it } from 'vitest';
import { ChildProgram, type ChildProgramOptions, InteropErrorCodes } from '../src/index.js';

const node = (script: string, options: ChildProgramOptions = {}): ChildProgram =>
  ChildProgram.start(process.execPath, ['-e', script], { name: 'node -e', ...options });

describe('ChildProgram', () => {
  it('maxOutputBytes: exactly the limit is kept, one byte more kills the child', async () => {
    const limit = 1000;
    const at = node(`process.stdout.write('x'.repeat(${limit}))`, { maxOutputBytes: limit });
    expect(await at.waitForExit()).toEqual({ code: 0, signal: null });
    expect(at.stdout).toHaveLength(limit);

    const past = node(`process.stdout.write('x'.repeat(${limit + 1})); setInterval(() => {}, 1000)`, { maxOutputBytes: limit });
    await expect(past.waitForExit()).rejects.toMatchObject({ code: InteropErrorCodes.OUTPUT_TOO_LARGE });
    await past.stop();
    expect(past.exitStatus?.signal).toBe('SIGKILL');
  });

  it('maxOutputBytes counts standard error too', async () => {
    const child = node(`process.stdout.write('x'.repeat(600)); process.stderr.write('y'.repeat(600)); setInterval(() => {}, 1000)`, {
      maxOutputBytes: 1000,
    });
    await expect(child.nextLine(/never/)).rejects.toMatchObject({ code: InteropErrorCodes.OUTPUT_TOO_LARGE });
    await child.stop();
  });

  it('nextLine returns lines in order, skipping the ones that do not match, on either stream', async () => {
    const child = node(`console.log('a'); console.log('b 1'); console.error('e 1'); console.log('c'); console.log('b 2')`);
    expect(await child.nextLine(/^b /)).toBe('b 1');
    expect(await child.nextLine((l) => l.startsWith('b'))).toBe('b 2');
    expect(await child.nextLine(/^e /, { stream: 'stderr' })).toBe('e 1');
    await child.waitForExit();
    expect(child.lines).toEqual(['a', 'b 1', 'c', 'b 2']);
  });

  it('writeLine and endInput drive a child that reads its standard input', async () => {
    const child = node(`let s=''; process.stdin.on('data', d => s += d); process.stdin.on('end', () => console.log(s.trim().split('\\n').reverse().join('|')))`);
    child.writeLine('one');
    child.writeLine('two');
    child.endInput();
    expect(await child.nextLine(/\|/)).toBe('two|one');
  });

  it('a line that never comes: INTEROP_ERR_TIMEOUT after timeoutMs, quoting the output', async () => {
    const child = node(`console.log('hello'); setInterval(() => {}, 1000)`);
    await child.nextLine(/^hello$/);
    const err = await child.nextLine(/^bye$/, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: InteropErrorCodes.TIMEOUT });
    expect((err as Error).message).toContain('hello');
    await child.stop();
  });

  it('a child that exits first: INTEROP_ERR_PROCESS_EXITED with its exit code', async () => {
    const child = node(`console.error('boom'); process.exit(3)`);
    const err = await child.nextLine(/^ready$/).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: InteropErrorCodes.PROCESS_EXITED });
    expect((err as Error).message).toMatch(/code 3[\s\S]*boom/);
  });

  it('a command that cannot run: INTEROP_ERR_PROCESS_EXITED', async () => {
    const child = ChildProgram.start('/nonexistent/program', []);
    await expect(child.nextLine(/x/)).rejects.toMatchObject({ code: InteropErrorCodes.PROCESS_EXITED });
  });

  it('stop() ends a child that ignores SIGTERM with SIGKILL after killGraceMs', async () => {
    const child = node(`process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)`, { killGraceMs: 100 });
    await child.nextLine(/^up$/);
    expect(await child.stop()).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('options out of range are refused with INTEROP_ERR_INVALID_OPTION', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => node('', { maxOutputBytes: bad })).toThrow(expect.objectContaining({ code: InteropErrorCodes.INVALID_OPTION }));
      expect(() => node('', { timeoutMs: bad })).toThrow(expect.objectContaining({ code: InteropErrorCodes.INVALID_OPTION }));
    }
  });
});
