// The message size limit at its edge, with a stock client: a TypeScript service keeps WCF's
// default MaxReceivedMessageSize (65 536 bytes, the SizedEnvelope size), and the Mono client sends
// requests of exactly 65 536 and 65 537 bytes. The first is served; the second gets the framing
// fault MaxMessageSizeExceededFault ([MC-NMF] 2.2.5), and a new session works afterwards.
import { SessionErrorCodes, type SessionError } from '@portshare/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildProgram, compileCSharp, freePort, skipWithout, startMono, startTestService, type TestService } from '../src/index.js';
import { ask } from './helpers.js';

const LIMIT = 65_536;

describe.skipIf(skipWithout('mcs', 'mono'))('the message size limit with a stock Mono client', () => {
  let service: TestService | undefined;
  let client: ChildProgram | undefined;
  const connectionErrors: SessionError[] = [];

  beforeAll(async () => {
    const programs = compileCSharp();
    const port = await freePort();
    const uri = `net.tcp://localhost:${port}/interop/limit`;
    service = await startTestService({ uri, portSharingEnabled: false, maxMessageSize: LIMIT });
    service.server.on('connectionError', (err) => connectionErrors.push(err));
    // The client accepts large replies, so only the service's limit is in play.
    client = startMono(programs.testClient, [uri, String(4 * LIMIT)]);
  });

  afterAll(async () => {
    client?.endInput();
    await client?.waitForExit().catch(() => client?.stop());
    await service?.close();
  });

  /** The size of the request `ascii n` makes as the first message of a new session. */
  async function firstRequestBytes(label: string, n: number): Promise<{ result: string[]; bytes: number | undefined }> {
    expect(await ask(client!, `${label} reopen`, 'reopen')).toEqual(['reopened']);
    const before = service!.requests.length;
    const result = await ask(client!, label, 'ascii', String(n));
    return { result, bytes: service!.requests.slice(before).at(-1)?.bytes };
  }

  it('a request of exactly the limit is served, one byte more is refused with the fault', async () => {
    // Calibrate: with Chars16 text (256..65535 bytes) the request grows one byte per character.
    const a = await firstRequestBytes('calibrate 1000', 1000);
    const b = await firstRequestBytes('calibrate 1001', 1001);
    expect(a.result).toEqual(['ok', '1000']);
    expect(b.bytes! - a.bytes!).toBe(1);
    const atLimit = 1000 + (LIMIT - a.bytes!);

    const at = await firstRequestBytes('at the limit', atLimit);
    expect(at).toEqual({ result: ['ok', String(atLimit)], bytes: LIMIT });

    const before = service!.requests.length;
    const past = await firstRequestBytes('past the limit', atLimit + 1);
    // Mono 6.8's client cannot read a Fault record once the session is open ("Packet type 8 is not
    // implemented"), so it reports an exception rather than WCF's QuotaExceededException.
    expect(past.result[0]).toBe('error');
    expect(service!.requests.length).toBe(before);
    expect(connectionErrors.map((e) => e.code)).toEqual([SessionErrorCodes.MESSAGE_TOO_LARGE]);

    expect(await ask(client!, 'after reopen', 'reopen')).toEqual(['reopened']);
    expect(await ask(client!, 'after', 'echo', 'int', '5')).toEqual(['ok', '5']);
  });
});
