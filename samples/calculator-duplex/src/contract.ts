import { defineContract } from '@portshare/soap';

/**
 * The callback contract of WCF's Duplex sample:
 *
 * ```cs
 * public interface ICalculatorDuplexCallback {
 *   [OperationContract(IsOneWay = true)] void Result(double result);
 *   [OperationContract(IsOneWay = true)] void Equation(string eqn);
 * }
 * ```
 */
export const ICalculatorDuplexCallback = defineContract({
  name: 'ICalculatorDuplexCallback',
  namespace: 'http://Microsoft.ServiceModel.Samples',
  operations: {
    Result: { params: [['result', 'double']], oneWay: true },
    Equation: { params: [['eqn', 'string']], oneWay: true },
  },
});

/**
 * The sample's service contract:
 *
 * ```cs
 * [ServiceContract(Namespace = "http://Microsoft.ServiceModel.Samples", SessionMode = SessionMode.Required,
 *                  CallbackContract = typeof(ICalculatorDuplexCallback))]
 * public interface ICalculatorDuplex {
 *   [OperationContract(IsOneWay = true)] void Clear();
 *   [OperationContract(IsOneWay = true)] void AddTo(double n);
 *   [OperationContract(IsOneWay = true)] void SubtractFrom(double n);
 *   [OperationContract(IsOneWay = true)] void MultiplyBy(double n);
 *   [OperationContract(IsOneWay = true)] void DivideBy(double n);
 * }
 * ```
 */
export const ICalculatorDuplex = defineContract({
  name: 'ICalculatorDuplex',
  namespace: 'http://Microsoft.ServiceModel.Samples',
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

/** The service's address: the calculator sample's port (shared) and the Duplex sample's path. */
export function duplexAddress(host = 'localhost', port = 9000): string {
  return `net.tcp://${host}:${port}/servicemodelsamples/duplex`;
}
