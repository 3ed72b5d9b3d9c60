import {
  FaultCodes,
  FaultException,
  implement,
  type MessageChannel,
  type ReaderQuotas,
  ServiceDispatcher,
  type ServiceImplementation,
} from '@portshare/soap';
import { NetTcpServer } from '@portshare/worker';
import { canon, canonString, type EchoType, type EchoValues, sha256 } from './canon.js';
import { BAD_INPUT, ITest, TYPED_FAULT_REASON } from './test-contract.js';

/** One call the TypeScript ITest service received. */
export interface ReceivedCall {
  /** 1, 2, … in the order sessions were accepted. */
  readonly session: number;
  readonly operation: string;
  /** The arguments' canonical texts (for a string over `largeStringChars`: "large", its length, its SHA-256). */
  readonly args: readonly string[];
}

/** One session the service accepted. */
export interface SessionRecord {
  readonly id: number;
  /** How the connection reached this process: 'fd' (passed by the daemon), 'proxy' (piped by it) or 'direct'. */
  readonly transport: 'direct' | 'fd' | 'proxy';
  /** The via of the session's preamble. */
  readonly via: string;
  /** The client's port: sessions with the same one came over one (pooled) connection. */
  readonly remotePort: number | undefined;
}

/** Options of {@link startTestService}. */
export interface TestServiceOptions {
  /** The base address, e.g. net.tcp://localhost:9000/interop/test. */
  readonly uri: string;
  readonly portSharingEnabled: boolean;
  /** The portshare instance to register with (default: PORTSHARE_HOME or the system's). */
  readonly home?: string;
  /** Largest message each way, for the session layer and the message layer (default 65 536). */
  readonly maxMessageSize?: number;
  /**
   * Most bytes of session strings the service defines per connection (the client's MaxSessionSize,
   * default 2048). Lower it to make the writer run out early and write the remaining names inline.
   */
  readonly writerSessionSize?: number;
  /** Strings longer than this are recorded by length and digest only (default 100 000). */
  readonly largeStringChars?: number;
  /**
   * Reader quotas over the defaults (which raise maxStringContentLength and maxArrayLength to the
   * message size, so that only the size limit is in play).
   */
  readonly quotas?: Partial<ReaderQuotas>;
}

/** A running TypeScript ITest service and what it saw. */
export interface TestService {
  readonly server: NetTcpServer;
  /** Every call received, in order. */
  readonly calls: ReceivedCall[];
  /** Every session accepted, in order. */
  readonly sessions: SessionRecord[];
  /** The size of every request envelope payload received (the SizedEnvelope's size), in order. */
  readonly requests: { readonly session: number; readonly bytes: number }[];
  /** Errors the dispatcher reported (an operation's unhandled exception, an unreadable request). */
  readonly reportedErrors: { operation: string | undefined; error: unknown }[];
  /** Sessions that ended with a failure (the connection was aborted). */
  readonly failedSessions: unknown[];
  readonly sessionsStarted: number;
  readonly activeSessions: number;
  /** The most sessions open at the same time. */
  readonly maxActiveSessions: number;
  close(): Promise<void>;
}

/**
 * Starts the TypeScript ITest service: the twin of csharp/TestService.cs. Like a WCF service with
 * InstanceContextMode.PerSession, each session gets its own instance (LastNotified returns what
 * that session's Notify stored), and every call is recorded with its session number.
 */
export async function startTestService(options: TestServiceOptions): Promise<TestService> {
  const maxMessageSize = options.maxMessageSize ?? 65_536;
  const largeStringChars = options.largeStringChars ?? 100_000;
  const quotas: Partial<ReaderQuotas> = {
    maxReceivedMessageSize: maxMessageSize,
    maxStringContentLength: Math.max(8_192, maxMessageSize),
    maxArrayLength: Math.max(16_384, maxMessageSize),
    ...options.quotas,
  };
  const server = await NetTcpServer.listen({
    uri: options.uri,
    portSharingEnabled: options.portSharingEnabled,
    maxMessageSize,
    ...(options.home !== undefined ? { home: options.home } : {}),
  });
  const calls: ReceivedCall[] = [];
  const sessions: SessionRecord[] = [];
  const requests: { session: number; bytes: number }[] = [];
  const reportedErrors: TestService['reportedErrors'] = [];
  const failedSessions: unknown[] = [];
  const counts = { started: 0, active: 0, max: 0 };
  const serving = new Set<Promise<void>>();

  server.on('session', (session, info) => {
    const id = ++counts.started;
    sessions.push({ id, transport: info.transport, via: session.via, remotePort: session.socket.remotePort });
    counts.active++;
    counts.max = Math.max(counts.max, counts.active);
    const record = (operation: string, args: string[]): void => {
      calls.push({ session: id, operation, args });
    };
    const dispatcher = new ServiceDispatcher([implement(ITest, testImplementation(record, largeStringChars))], {
      quotas,
      ...(options.writerSessionSize !== undefined ? { writerSessionSize: options.writerSessionSize } : {}),
      onError: (error, context) => reportedErrors.push({ operation: context.operation, error }),
    });
    // The session as the dispatcher sees it, noting each payload's size on the way.
    const channel: MessageChannel = {
      via: session.via,
      send: (payload) => session.send(payload),
      close: () => session.close(),
      async *[Symbol.asyncIterator]() {
        for await (const payload of session) {
          requests.push({ session: id, bytes: payload.length });
          yield payload;
        }
      },
    };
    const done = dispatcher
      .serve(channel)
      .then(() => session.close())
      .catch((err: unknown) => {
        failedSessions.push(err);
        session.abort();
      })
      .finally(() => {
        counts.active--;
        serving.delete(done);
      });
    serving.add(done);
  });

  return {
    server,
    calls,
    sessions,
    requests,
    reportedErrors,
    failedSessions,
    get sessionsStarted() {
      return counts.started;
    },
    get activeSessions() {
      return counts.active;
    },
    get maxActiveSessions() {
      return counts.max;
    },
    async close() {
      await server.close();
      await Promise.allSettled([...serving]);
    },
  };
}

/** One session's ITest instance. */
function testImplementation(
  record: (operation: string, args: string[]) => void,
  largeStringChars: number,
): ServiceImplementation<typeof ITest> {
  let lastNotified: string | null = null;
  const echo =
    <T extends EchoType>(type: T, operation: string) =>
    (value: EchoValues[T]): EchoValues[T] => {
      record(operation, [canon(type, value)]);
      return value;
    };
  return {
    EchoString: (value) => {
      if (value !== null && value.length > largeStringChars) record('EchoString', ['large', String(value.length), sha256(value)]);
      else record('EchoString', [canonString(value)]);
      return value;
    },
    EchoInt: echo('int', 'EchoInt'),
    EchoLong: echo('long', 'EchoLong'),
    EchoBool: echo('bool', 'EchoBool'),
    EchoFloat: echo('float', 'EchoFloat'),
    EchoDouble: echo('double', 'EchoDouble'),
    EchoDecimal: echo('decimal', 'EchoDecimal'),
    EchoDateTime: echo('dateTime', 'EchoDateTime'),
    EchoGuid: echo('guid', 'EchoGuid'),
    EchoTimeSpan: echo('timeSpan', 'EchoTimeSpan'),
    EchoBytes: echo('bytes', 'EchoBytes'),
    EchoInts: echo('ints', 'EchoInts'),
    EchoStrings: echo('strings', 'EchoStrings'),
    EchoPerson: echo('person', 'EchoPerson'),
    EchoByte: echo('byte', 'EchoByte'),
    EchoSByte: echo('sbyte', 'EchoSByte'),
    EchoShort: echo('short', 'EchoShort'),
    EchoUShort: echo('ushort', 'EchoUShort'),
    EchoUInt: echo('uint', 'EchoUInt'),
    EchoULong: echo('ulong', 'EchoULong'),
    EchoChar: echo('char', 'EchoChar'),
    EchoUri: echo('uri', 'EchoUri'),
    EchoNullableInt: echo('nullableInt', 'EchoNullableInt'),
    EchoColor: echo('color', 'EchoColor'),
    EchoAccess: echo('access', 'EchoAccess'),
    EchoDictionary: echo('dictionary', 'EchoDictionary'),
    EchoDateTimeOffset: echo('dateTimeOffset', 'EchoDateTimeOffset'),
    Fail: (reason) => {
      record('Fail', [canonString(reason)]);
      // FaultCode.CreateSenderFaultCode("BadInput", ns): s:Sender with a subcode.
      throw new FaultException(reason ?? '', { code: { ...FaultCodes.sender, subcode: BAD_INPUT } });
    },
    FailTyped: (code, reason) => {
      record('FailTyped', [String(code), canonString(reason)]);
      throw new FaultException(TYPED_FAULT_REASON, { detail: { Code: code, Reason: reason } });
    },
    DivInt: (a, b) => {
      record('DivInt', [String(a), String(b)]);
      // As C#'s integer division: an unhandled exception for 0, so the client gets the fault of last resort.
      if (b === 0) throw new RangeError('Attempted to divide by zero.');
      return Math.trunc(a / b);
    },
    Notify: (message) => {
      record('Notify', [canonString(message)]);
      lastNotified = message;
    },
    LastNotified: () => {
      record('LastNotified', []);
      return lastNotified;
    },
  };
}
