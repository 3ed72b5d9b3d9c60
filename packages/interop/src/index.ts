// @portshare/interop: the harness of the live interop tests against Mono's WCF. The tests live in
// test/; these modules start the peers (compiled C# programs, a private daemon, the TypeScript
// ITest service) and give both sides one canonical text for values.

export { InteropError, InteropErrorCodes, type InteropErrorCode } from './errors.js';
export { Tools, hasTools, requireTools, skipWithout, toolVersion, type ToolName } from './toolchain.js';
export {
  ChildProgram,
  ChildProgramDefaults,
  type ChildProgramOptions,
  type ExitStatus,
  type NextLineOptions,
} from './child-program.js';
export { BUILD_DIR, CSHARP_DIR, CSharpPrograms, compileCSharp, type CSharpProgram, type CompiledPrograms } from './csharp.js';
export { MONO_DEFAULT_TIME_ZONE, startMono, type MonoOptions } from './mono.js';
export { SERVICE_MAIN, startPrivateDaemon, type PrivateDaemon, type PrivateDaemonOptions } from './daemon.js';
export { freePort } from './free-port.js';
export { Address, BAD_INPUT, ITest, InteropNames, MyFault, Person, TYPED_FAULT_REASON } from './test-contract.js';
export {
  EchoOperations,
  canon,
  canonAddress,
  canonBytes,
  canonDouble,
  canonFloat,
  canonList,
  canonPerson,
  canonString,
  largeText,
  sha256,
  type EchoType,
  type EchoValues,
} from './canon.js';
export { ECHO_CASES, LARGE_MESSAGE_CHARS, LARGE_MESSAGE_QUOTA, type EchoCase } from './cases.js';
export { startTestService, type ReceivedCall, type SessionRecord, type TestService, type TestServiceOptions } from './test-service.js';
export {
  CalculatorSample,
  SAMPLE_TRANSCRIPT,
  SERVICE_BANNER,
  calculatorStarted,
  runCalculatorClient,
  startTsCalculatorService,
  type RunningCalculator,
} from './calculator-sample.js';
export { dissect, startLiveCapture, startLiveCaptureOrSkip, type DissectedFrame, type LiveCapture, type LiveCaptureOptions } from './capture.js';
export {
  TLS_PEER_SCRIPT,
  runTlsPeerClient,
  startTlsPeerServer,
  type TlsPeerResult,
  type TlsPeerServer,
} from './tls-peer.js';
export { DUPLEX_SERVICE_BANNER, DUPLEX_TRANSCRIPT, DuplexSample } from './duplex-sample.js';
export { StreamingSample } from './streaming-sample.js';
