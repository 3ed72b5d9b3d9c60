import { defineContract } from '@portshare/soap';

/**
 * The sample's contract, as in the WCF sample:
 *
 * ```cs
 * [ServiceContract(Namespace = "http://Microsoft.ServiceModel.Samples")]
 * public interface ICalculator {
 *   [OperationContract] double Add(double n1, double n2);
 *   [OperationContract] double Subtract(double n1, double n2);
 *   [OperationContract] double Multiply(double n1, double n2);
 *   [OperationContract] double Divide(double n1, double n2);
 * }
 * ```
 */
export const ICalculator = defineContract({
  name: 'ICalculator',
  namespace: 'http://Microsoft.ServiceModel.Samples',
  operations: {
    Add: { params: [['n1', 'double'], ['n2', 'double']], returns: 'double' },
    Subtract: { params: [['n1', 'double'], ['n2', 'double']], returns: 'double' },
    Multiply: { params: [['n1', 'double'], ['n2', 'double']], returns: 'double' },
    Divide: { params: [['n1', 'double'], ['n2', 'double']], returns: 'double' },
  },
});

/** The sample's address: a fixed port and a 16-bit number in the path. */
export function calculatorAddress(salt: number, host = 'localhost', port = 9000): string {
  return `net.tcp://${host}:${port}/calculator/${salt}`;
}
