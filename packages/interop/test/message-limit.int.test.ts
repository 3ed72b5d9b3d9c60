// The message size limit at its edge, with a stock client: a TypeScript service keeps WCF's
// default MaxReceivedMessageSize (65 536 bytes, the SizedEnvelope size), and the Mono client sends
// requests of exactly 65 536 and 65 537 bytes. The first is served; the second gets the framing
// fault MaxMessageSizeExceededFault ([MC-NMF] 2.2.5), and a new session works afterwards.
import { SessionErrorCodes, type SessionError } from '@portshare/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildProgram, compileCSharp, freePort, skipWithout, startMono, startTestService, type TestService } from '../src/index.js';
import { ask, hex } from './helpers.js';

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

describe.skipIf(skipWithout('mcs', 'mono'))('a reader quota exceeded, with a stock Mono client', () => {
  let service: TestService | undefined;
  let client: ChildProgram | undefined;

  beforeAll(async () => {
    const programs = compileCSharp();
    const uri = `net.tcp://localhost:${await freePort()}/interop/quota`;
    // WCF's default string quota (8192 characters) under the default message size.
    service = await startTestService({ uri, portSharingEnabled: false, quotas: { maxStringContentLength: 8192 } });
    client = startMono(programs.testClient, [uri, String(4 * LIMIT)]);
  });

  afterAll(async () => {
    client?.endInput();
    await client?.waitForExit().catch(() => client?.stop());
    await service?.close();
  });

  it('fails that request with the DeserializationFailed fault, as WCF does, and the session goes on', async () => {
    expect(await ask(client!, 'at the quota', 'ascii', '8192')).toEqual(['ok', '8192']);
    const past = await ask(client!, 'past the quota', 'ascii', '8193');
    expect(past.slice(0, 5)).toEqual(
      ['fault', 'Sender', 'http://www.w3.org/2003/05/soap-envelope', 'DeserializationFailed', 'http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher'].map((v, i) => (i === 0 ? v : hex(v))),
    );
    expect(Buffer.from(past[5]!, 'hex').toString('utf8')).toMatch(/^The formatter threw an exception while trying to deserialize the message: A string of 8193 characters .*maxStringContentLength \(8192\)/);
    expect(service!.reportedErrors.map((r) => (r.error as { code?: string }).code)).toEqual(['SOAP_ERR_STRING_CONTENT_TOO_LONG']);
    // Same session: no reopen.
    expect(await ask(client!, 'after', 'echo', 'int', '5')).toEqual(['ok', '5']);
    expect(service!.sessionsStarted).toBe(1);
  });
});
