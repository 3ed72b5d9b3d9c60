import { formatDouble } from '@portshare/sample-calculator';
import { implementPerSession } from '@portshare/soap';
import { ICalculatorDuplex, ICalculatorDuplexCallback } from './contract.js';

/**
 * The sample's CalculatorService, `[ServiceBehavior(InstanceContextMode = PerSession)]`: each
 * session has its own result and equation, and every step calls the client back.
 *
 * ```cs
 * double result = 0.0D; string equation;
 * public CalculatorService() { equation = result.ToString(); }
 * public void AddTo(double n) { result += n; equation += " + " + n.ToString(); Callback.Result(result); }
 * public void Clear() { Callback.Equation(equation + " = " + result.ToString()); result = 0.0D; equation = result.ToString(); }
 * ```
 */
export const calculatorSession = implementPerSession(ICalculatorDuplex, (context) => {
  let result = 0;
  let equation = formatDouble(result);
  // OperationContext.Current.GetCallbackChannel<ICalculatorDuplexCallback>()
  const callback = context.getCallbackChannel(ICalculatorDuplexCallback);
  const step = (op: string, n: number, next: number): Promise<void> => {
    result = next;
    equation += ` ${op} ${formatDouble(n)}`;
    return callback.Result(result);
  };
  return {
    Clear: async () => {
      await callback.Equation(`${equation} = ${formatDouble(result)}`);
      result = 0;
      equation = formatDouble(result);
    },
    AddTo: (n) => step('+', n, result + n),
    SubtractFrom: (n) => step('-', n, result - n),
    MultiplyBy: (n) => step('*', n, result * n),
    DivideBy: (n) => step('/', n, result / n),
  };
});
