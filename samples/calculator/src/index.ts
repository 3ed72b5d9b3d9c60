export { ICalculator, calculatorAddress } from './contract.js';
export { formatDouble } from './format-double.js';
export { parseOptions, type SampleOptions } from './options.js';
export { dotnetExceptionName, readLine } from './console.js';
