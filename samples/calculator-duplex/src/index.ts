export { ICalculatorDuplex, ICalculatorDuplexCallback, duplexAddress } from './contract.js';
export { calculatorSession } from './service-implementation.js';
