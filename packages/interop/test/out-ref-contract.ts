import { arrayOf, defineContract } from '@portshare/soap';
import { InteropNames, Person } from '../src/index.js';

/**
 * The out and ref operations of ITest (csharp/Contract.cs), as a contract of their own with
 * ITest's name and namespace, so that their Actions and element names are ITest's: the TypeScript
 * twin of those lines, kept beside the tests that use it (contract-twins.test.ts compares them,
 * directions included).
 */
export const ITestOutRef = defineContract({
  name: 'ITest',
  namespace: InteropNames.service,
  operations: {
    // int Divide(int a, int b, out int remainder)
    Divide: { params: [['a', 'int'], ['b', 'int'], ['remainder', 'int', { direction: 'out' }]], returns: 'int' },
    // void Swap(ref string x, ref string y)
    Swap: { params: [['x', 'string', { direction: 'ref' }], ['y', 'string', { direction: 'ref' }]] },
    // string Concat(string a, out int length, ref int counter)
    Concat: { params: [['a', 'string'], ['length', 'int', { direction: 'out' }], ['counter', 'int', { direction: 'ref' }]], returns: 'string' },
    // bool Older(ref Person person, int years, out double[] scores)
    Older: { params: [['person', Person, { direction: 'ref' }], ['years', 'int'], ['scores', arrayOf('double'), { direction: 'out' }]], returns: 'bool' },
  },
});
