import { defineContract } from '../../src/contract.js';
import { defineDataContract } from '../../src/data-contract.js';
import { arrayOf } from '../../src/types.js';

export const NS = 'http://Microsoft.ServiceModel.Samples';

/** The calculator of the Net.TCP Port Sharing sample. */
export const ICalculator = defineContract({
  name: 'ICalculator',
  namespace: NS,
  operations: {
    Add: { params: [['n1', 'double'], ['n2', 'double']], returns: 'double' },
    Subtract: { params: [['n1', 'double'], ['n2', 'double']], returns: 'double' },
    Multiply: { params: [['n1', 'double'], ['n2', 'double']], returns: 'double' },
    Divide: { params: [['n1', 'double'], ['n2', 'double']], returns: 'double' },
  },
});

export const Person = defineDataContract({
  name: 'Person',
  namespace: 'http://example.org/people',
  members: { Name: 'string', Age: 'int', Scores: arrayOf('double') },
});

/** The fault detail of the Mono faults capture. */
export const MyFault = defineDataContract({
  name: 'MyFault',
  namespace: 'http://example.org/faults',
  members: { Reason: 'string', Code: 'int' },
});

/** The ITest contract of the Mono captures (types, faults, one-way). */
export const ITest = defineContract({
  name: 'ITest',
  namespace: NS,
  operations: {
    Echo: { params: [['s', 'string']], returns: 'string' },
    EchoInt: { params: [['x', 'int']], returns: 'int' },
    EchoLong: { params: [['x', 'long']], returns: 'long' },
    EchoBool: { params: [['b', 'bool']], returns: 'bool' },
    EchoFloat: { params: [['f', 'float']], returns: 'float' },
    EchoDouble: { params: [['d', 'double']], returns: 'double' },
    EchoDecimal: { params: [['d', 'decimal']], returns: 'decimal' },
    EchoDate: { params: [['d', 'dateTime']], returns: 'dateTime' },
    EchoGuid: { params: [['g', 'guid']], returns: 'guid' },
    EchoSpan: { params: [['t', 'timeSpan']], returns: 'timeSpan' },
    EchoBytes: { params: [['b', 'bytes']], returns: 'bytes' },
    EchoInts: { params: [['a', arrayOf('int')]], returns: arrayOf('int') },
    EchoStrings: { params: [['a', arrayOf('string')]], returns: arrayOf('string') },
    EchoPerson: { params: [['p', Person]], returns: Person },
    Add: { params: [['n1', 'int'], ['n2', 'int']], returns: 'int' },
    Fail: { params: [['msg', 'string']] },
    FailTyped: { params: [['msg', 'string']], faults: [MyFault] },
    DivInt: { params: [['a', 'int'], ['b', 'int']], returns: 'int' },
    Notify: { params: [['msg', 'string']], oneWay: true },
  },
});
