import { describe, expect, expectTypeOf, it } from 'vitest';
import { type ClientProxy, type ServiceImplementation, defineContract } from '../src/contract.js';
import { defineDataContract } from '../src/data-contract.js';
import type { NetDateTime } from '../src/date-time.js';
import { SoapErrorCodes } from '../src/errors.js';
import type { TimeSpan } from '../src/time-span.js';
import { type InstanceOf, arrayOf } from '../src/types.js';
import { ICalculator, MyFault, NS } from './support/contracts.js';

describe('defineContract', () => {
  it('derives WCF actions, reply actions and fault actions', () => {
    const add = ICalculator.operations.get('Add')!;
    expect(add.action).toBe('http://Microsoft.ServiceModel.Samples/ICalculator/Add');
    expect(add.replyAction).toBe('http://Microsoft.ServiceModel.Samples/ICalculator/AddResponse');
    // The default namespace ends with a slash, so none is doubled (WCF NamingHelper).
    const t = defineContract({ name: 'IT', operations: { Op: { faults: [MyFault] } } });
    expect(t.namespace).toBe('http://tempuri.org/');
    expect(t.operations.get('Op')!.action).toBe('http://tempuri.org/IT/Op');
    expect(t.operations.get('Op')!.faults[0]!.action).toBe('http://tempuri.org/IT/OpMyFaultFault');
    const custom = defineContract({ name: 'IC', namespace: NS, operations: { Op: { action: 'urn:op', replyAction: 'urn:op-reply' } } });
    expect(custom.operations.get('Op')).toMatchObject({ action: 'urn:op', replyAction: 'urn:op-reply' });
  });

  it('rejects contracts WCF rejects', () => {
    const bad = [
      () => defineContract({ name: 'I', operations: { Op: { oneWay: true, returns: 'int' } } }),
      () => defineContract({ name: 'I', operations: { Op: { oneWay: true, faults: [MyFault] } } }),
      () => defineContract({ name: 'I', operations: { Op: { params: [['a', 'int'], ['a', 'int']] } } }),
      () => defineContract({ name: 'I', operations: { A: { action: 'urn:x' }, B: { action: 'urn:x' } } }),
      () => defineContract({ name: '1bad', operations: {} }),
      () => defineContract({ name: 'I', operations: { Op: { params: [['a', 'integer' as never]] } } }),
      () => defineDataContract({ name: 'D', namespace: 'urn:d', members: { A: 'int', B: { type: 'int', name: 'A' } } }),
      () => defineDataContract({ name: 'D', namespace: 'urn:d', members: { 'bad name': 'int' } }),
    ];
    for (const f of bad) expect(f).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT }));
  });

  it('orders data members as DataContractSerializer: unordered alphabetically (ordinal), then by Order', () => {
    const D = defineDataContract({
      name: 'D',
      namespace: 'urn:d',
      members: { b: 'int', A: 'int', a: 'int', Z: { type: 'int', order: 2 }, Y: { type: 'int', order: 1 }, X: { type: 'int', order: 1 } },
    });
    expect(D.members.map((m) => m.name)).toEqual(['A', 'a', 'b', 'X', 'Y', 'Z']);
  });

  it('infers implementation and client types from the definition', () => {
    const Person = defineDataContract({ name: 'Person', namespace: 'urn:p', members: { Name: 'string', Age: 'int', Born: 'dateTime', Tags: arrayOf('string') } });
    const C = defineContract({
      name: 'IC',
      operations: {
        Add: { params: [['a', 'double'], ['b', 'double']], returns: 'double' },
        Find: { params: [['id', 'long'], ['span', 'timeSpan']], returns: Person },
        Notify: { params: [['m', 'string']], oneWay: true },
      },
    });
    expect([...C.operations.keys()]).toEqual(['Add', 'Find', 'Notify']);
    type P = InstanceOf<typeof Person>;
    expectTypeOf<P>().toEqualTypeOf<{ Name: string | null; Age: number; Born: NetDateTime; Tags: (string | null)[] | null }>();
    expectTypeOf<ClientProxy<typeof C>['Add']>().toEqualTypeOf<(a: number, b: number) => Promise<number>>();
    expectTypeOf<ClientProxy<typeof C>['Find']>().toEqualTypeOf<(id: bigint, span: TimeSpan) => Promise<P | null>>();
    expectTypeOf<ClientProxy<typeof C>['Notify']>().toEqualTypeOf<(m: string | null) => Promise<void>>();
    expectTypeOf<ServiceImplementation<typeof C>['Add']>().toEqualTypeOf<(a: number, b: number) => number | Promise<number>>();
  });
});
