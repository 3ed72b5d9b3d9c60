import { arrayOf, DateTimeOffset, defineContract, defineDataContract, defineEnum, dictionaryOf, nullable } from '@portshare/soap';

/**
 * The ITest contract of the interop tests: the TypeScript twin of csharp/Contract.cs. Every name
 * here (contract, namespaces, operations, parameters, members) is one WCF puts on the wire, so
 * both files must change together.
 */
export const InteropNames = {
  service: 'http://schemas.portshare.dev/interop',
  data: 'http://schemas.portshare.dev/interop/data',
  faults: 'http://schemas.portshare.dev/interop/faults',
} as const;

export const Address = defineDataContract({
  name: 'Address',
  namespace: InteropNames.data,
  members: { Street: 'string', City: 'string', Zip: 'int' },
});

export const Person = defineDataContract({
  name: 'Person',
  namespace: InteropNames.data,
  members: { Name: 'string', Age: 'int', Scores: arrayOf('double'), Address },
});

/** The contract namespace of a CLR type without [DataContract] in namespace Portshare.Interop. */
const CLR_NAMESPACE = 'http://schemas.datacontract.org/2004/07/Portshare.Interop';

export const Color = defineEnum({ name: 'Color', namespace: CLR_NAMESPACE, members: ['Red', 'Green', 'Blue'] });

export const Access = defineEnum({ name: 'Access', namespace: CLR_NAMESPACE, members: { None: 0, Read: 1, Write: 2, Delete: 4 }, flags: true });

/** The detail of FailTyped's FaultException<MyFault>. */
export const MyFault = defineDataContract({
  name: 'MyFault',
  namespace: InteropNames.faults,
  members: { Code: 'int', Reason: 'string' },
});

const echo = <const T extends Parameters<typeof arrayOf>[0]>(type: T) => ({ params: [['value', type]] as const, returns: type });

export const ITest = defineContract({
  name: 'ITest',
  namespace: InteropNames.service,
  operations: {
    EchoString: echo('string'),
    EchoInt: echo('int'),
    EchoLong: echo('long'),
    EchoBool: echo('bool'),
    EchoFloat: echo('float'),
    EchoDouble: echo('double'),
    EchoDecimal: echo('decimal'),
    EchoDateTime: echo('dateTime'),
    EchoGuid: echo('guid'),
    EchoTimeSpan: echo('timeSpan'),
    EchoBytes: echo('bytes'),
    EchoInts: echo(arrayOf('int')),
    EchoStrings: echo(arrayOf('string')),
    EchoPerson: echo(Person),
    EchoByte: echo('byte'),
    EchoSByte: echo('sbyte'),
    EchoShort: echo('short'),
    EchoUShort: echo('ushort'),
    EchoUInt: echo('uint'),
    EchoULong: echo('ulong'),
    EchoChar: echo('char'),
    EchoUri: echo('uri'),
    EchoNullableInt: echo(nullable('int')),
    EchoColor: echo(Color),
    EchoAccess: echo(Access),
    EchoDictionary: echo(dictionaryOf('string', 'int')),
    EchoDateTimeOffset: echo(DateTimeOffset),
    Fail: { params: [['reason', 'string']] },
    FailTyped: { params: [['code', 'int'], ['reason', 'string']], faults: [MyFault] },
    DivInt: { params: [['a', 'int'], ['b', 'int']], returns: 'int' },
    Notify: { params: [['message', 'string']], oneWay: true },
    LastNotified: { returns: 'string' },
  },
});

/** The subcode Fail's FaultException carries under s:Sender (FaultCode.CreateSenderFaultCode("BadInput", …)). */
export const BAD_INPUT = { name: 'BadInput', namespace: InteropNames.faults } as const;

/** The reason of FailTyped's fault (the detail carries the caller's code and reason). */
export const TYPED_FAULT_REASON = 'typed failure';
