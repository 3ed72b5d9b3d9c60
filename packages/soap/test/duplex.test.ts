// Duplex contracts over an in-memory session: WCF's Duplex sample (a per-session calculator that
// calls its client back, one-way), two-way callbacks awaited inside an operation, and the errors a
// user meets. Live interop with Mono's duplex client and service is in packages/interop.
import { describe, expect, it } from 'vitest';
import { createClient } from '../src/client.js';
import { type ClientProxy, defineContract } from '../src/contract.js';
import { ServiceDispatcher, implement, implementPerSession } from '../src/dispatcher.js';
import { SoapErrorCodes } from '../src/errors.js';
import { FaultException } from '../src/fault.js';
import { OperationContext } from '../src/operation-context.js';
import { createChannelPair } from './support/memory-channel.js';

const NS = 'http://Microsoft.ServiceModel.Samples';

const ICalculatorDuplexCallback = defineContract({
  name: 'ICalculatorDuplexCallback',
  namespace: NS,
  operations: {
    Result: { params: [['result', 'double']], oneWay: true },
    Equation: { params: [['eqn', 'string']], oneWay: true },
  },
});

const ICalculatorDuplex = defineContract({
  name: 'ICalculatorDuplex',
  namespace: NS,
  sessionMode: 'Required',
  callbackContract: ICalculatorDuplexCallback,
  operations: {
    Clear: { oneWay: true },
    AddTo: { params: [['n', 'double']], oneWay: true },
    SubtractFrom: { params: [['n', 'double']], oneWay: true },
    MultiplyBy: { params: [['n', 'double']], oneWay: true },
    DivideBy: { params: [['n', 'double']], oneWay: true },
  },
});

// The sample's CalculatorService: InstanceContextMode.PerSession, state per session.
const calculator = implementPerSession(ICalculatorDuplex, (context) => {
  let result = 0;
  let equation = '0';
  const callback = context.getCallbackChannel(ICalculatorDuplexCallback);
  const step = async (op: string, n: number, value: number): Promise<void> => {
    result = value;
    equation += ` ${op} ${n}`;
    await callback.Result(result);
  };
  return {
    Clear: async () => {
      await callback.Equation(`${equation} = ${Number(result.toPrecision(15))}`);
      result = 0;
      equation = '0';
    },
    AddTo: (n) => step('+', n, result + n),
    SubtractFrom: (n) => step('-', n, result - n),
    MultiplyBy: (n) => step('*', n, result * n),
    DivideBy: (n) => step('/', n, result / n),
  };
});

function waitFor<T>(list: T[], n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const check = (): void => {
      if (list.length >= n) resolve();
      else if (Date.now() - t0 > 5000) reject(new Error(`only ${list.length} of ${n}`));
      else setTimeout(check, 5);
    };
    check();
  });
}

describe('duplex contracts', () => {
  it("callback operations are described within the service contract: Actions and body namespace are the service contract's, as WCF and Mono send them", () => {
    const result = ICalculatorDuplex.callbackContract.operations.get('Result');
    expect(result?.action).toBe('http://Microsoft.ServiceModel.Samples/ICalculatorDuplex/Result');
    expect(result?.namespace).toBe(NS);
    expect(ICalculatorDuplex.callbackContract.declaredAs).toBe(ICalculatorDuplexCallback);
    // The callback contract on its own keeps its own name.
    expect(ICalculatorDuplexCallback.operations.get('Result')?.action).toBe('http://Microsoft.ServiceModel.Samples/ICalculatorDuplexCallback/Result');
  });

  it("WCF's Duplex sample: each session keeps its own result, and the callbacks arrive in order", async () => {
    const dispatcher = new ServiceDispatcher([calculator]);
    const runs = [0, 1].map(() => {
      const [client, server] = createChannelPair('net.tcp://localhost:9000/servicemodelsamples/service');
      const served = dispatcher.serve(server).then(() => server.close());
      const printed: string[] = [];
      const proxy = createClient(ICalculatorDuplex, client, {
        callback: {
          // .NET Framework prints doubles with 15 significant digits.
          Result: (result) => void printed.push(`Result(${Number(result.toPrecision(15))})`),
          Equation: (eqn) => void printed.push(`Equation(${eqn})`),
        },
      });
      return { client, served, printed, proxy };
    });
    const [a, b] = runs as [(typeof runs)[number], (typeof runs)[number]];
    await a.proxy.AddTo(100);
    await b.proxy.AddTo(5);
    await a.proxy.SubtractFrom(50);
    await a.proxy.MultiplyBy(17.65);
    await a.proxy.DivideBy(2);
    await a.proxy.Clear();
    await b.proxy.Clear();
    await waitFor(a.printed, 5);
    await waitFor(b.printed, 2);
    expect(a.printed).toEqual(['Result(100)', 'Result(50)', 'Result(882.5)', 'Result(441.25)', 'Equation(0 + 100 - 50 * 17.65 / 2 = 441.25)']);
    expect(b.printed).toEqual(['Result(5)', 'Equation(0 + 5 = 5)']);
    for (const r of runs) {
      await r.client.close();
      await r.served;
    }
  });

  it('a two-way callback awaited inside an operation (no deadlock), its fault, and the callback kept for later', async () => {
    const IAskBack = defineContract({
      name: 'IAskBack',
      namespace: NS,
      operations: { Answer: { params: [['question', 'string']], returns: 'string' }, Broken: { returns: 'string' } },
    });
    const IAsk = defineContract({
      name: 'IAsk',
      namespace: NS,
      callbackContract: IAskBack,
      operations: { Ask: { params: [['question', 'string']], returns: 'string' }, Later: { returns: 'string' } },
    });
    let kept: ClientProxy<typeof IAskBack> | undefined;
    const service = implement(IAsk, {
      Ask: async (question) => {
        const back = OperationContext.current!.getCallbackChannel(IAskBack);
        kept = back;
        return `the client says: ${await back.Answer(question)}`;
      },
      Later: async () => {
        try {
          return String(await kept!.Broken());
        } catch (error) {
          return `callback failed: ${(error as FaultException).reason}`;
        }
      },
    });
    const [client, server] = createChannelPair();
    const served = new ServiceDispatcher([service]).serve(server).then(() => server.close());
    const proxy = createClient(IAsk, client, {
      callback: {
        Answer: async (q) => `42 (to ${q})`,
        Broken: () => {
          throw new FaultException('not today');
        },
      },
    });
    expect(await proxy.Ask('everything')).toBe('the client says: 42 (to everything)');
    expect(await proxy.Later()).toBe('callback failed: not today');
    await client.close();
    await served;
  });

  it('the errors a user meets: no callback for a duplex contract, a callback for a plain one, the wrong callback contract', async () => {
    const [client] = createChannelPair();
    expect(() => createClient(ICalculatorDuplex, client, {} as never)).toThrow(
      expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT, message: expect.stringContaining("callback contract 'ICalculatorDuplexCallback'") }),
    );
    const IPlain = defineContract({ name: 'IPlain', namespace: NS, operations: { Ping: { returns: 'int' } } });
    expect(() => createClient(IPlain, client, { callback: {} as never })).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT }));
    expect(() =>
      defineContract({ name: 'IBad', namespace: NS, sessionMode: 'NotAllowed', callbackContract: ICalculatorDuplexCallback, operations: {} }),
    ).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT, message: expect.stringContaining("cannot be 'NotAllowed'") }));
    const errors: unknown[] = [];
    const wrong = implement(IPlain, { Ping: () => (OperationContext.current!.getCallbackChannel(ICalculatorDuplexCallback), 1) });
    const [c2, s2] = createChannelPair();
    const served = new ServiceDispatcher([wrong], { onError: (e) => errors.push(e) }).serve(s2).then(() => s2.close());
    await expect(createClient(IPlain, c2).Ping()).rejects.toBeInstanceOf(FaultException);
    expect(errors).toEqual([expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT, message: expect.stringContaining("'IPlain' has no callback contract") })]);
    await c2.close();
    await served;
  });
});

describe('maxQueuedRequests: requests read ahead while an operation waits for its callback', () => {
  const IHoldBack = defineContract({ name: 'IHoldBack', namespace: NS, operations: { Answer: { returns: 'int' } } });
  const IHold = defineContract({
    name: 'IHold',
    namespace: NS,
    callbackContract: IHoldBack,
    operations: { Hold: { returns: 'int' }, Ping: { returns: 'int' } },
  });
  const service = implement(IHold, {
    Hold: () => OperationContext.current!.getCallbackChannel(IHoldBack).Answer(),
    Ping: () => 1,
  });

  async function flood(pings: number): Promise<{ outcome: string; errors: unknown[] }> {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const errors: unknown[] = [];
    const [client, server] = createChannelPair();
    const served = new ServiceDispatcher([service], { maxQueuedRequests: 3, onError: (e) => errors.push(e) })
      .serve(server)
      .then(
        () => 'served',
        (e: { code?: string }) => `failed: ${e.code}`,
      )
      .finally(() => void server.close().catch(() => {}));
    const proxy = createClient(IHold, client, {
      operationTimeout: 2000,
      callback: {
        Answer: async () => {
          await gate;
          return 7;
        },
      },
    });
    const held = proxy.Hold().catch(() => -1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const replies = Array.from({ length: pings }, () => proxy.Ping().catch(() => -1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    const answers = await Promise.all([held, ...replies]);
    void client.close().catch(() => {});
    const outcome = await Promise.race([served, new Promise<string>((resolve) => setTimeout(() => resolve('still serving'), 500))]);
    return { outcome: `${outcome}; answers ${answers.join(',')}`, errors };
  }

  it('at the limit every request is answered; one past it ends the session with the reason', async () => {
    expect((await flood(3)).outcome).toBe('served; answers 7,1,1,1');
    const past = await flood(4);
    expect(past.outcome).toMatch(/^failed: SOAP_ERR_UNEXPECTED_MESSAGE; /);
    expect(past.errors).toContainEqual(expect.objectContaining({ message: expect.stringContaining('More than 3 requests (maxQueuedRequests)') }));
    expect(() => new ServiceDispatcher([service], { maxQueuedRequests: 0 })).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE }));
  });
});
