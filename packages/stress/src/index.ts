export { StressError, StressErrorCodes, type StressErrorCode } from './errors.js';
export { criterion, failures, machineFacts, summariseLog, type Criterion, type LogSummary, type MachineFacts } from './report.js';
export { Daemon, Instance, SERVICE_MAIN, type DaemonStartOptions } from './instance.js';
export { ChildProgram, SessionWorker, requestAs, startAbuser, type AbuserSpec, type RunAs, type SessionWorkerSpec } from './workers.js';
export { closedLoop, goodSession, rawExchange, type GoodSessionOptions, type RawEnd, type RawExchangeOptions, type RawOutcome, type SessionOutcome } from './clients.js';
export { expectOutcome, parsePreamble, type Expectation, type Expected, type FuzzRoute, type FuzzTarget } from './fuzz/oracle.js';
export { buildCorpus, generateInput, type FuzzInput, type InputFamily, type Seed } from './fuzz/generate.js';
export { runFuzz, fuzzCriteria, FuzzDefaults, type FuzzOptions, type FuzzReport } from './scenarios/fuzz.js';
export { runStalledWorker, stalledWorkerCriteria, type StalledWorkerOptions, type StalledWorkerReport } from './scenarios/stalled-worker.js';
export { runSlowClients, slowClientsCriteria, runPendingEdge, type SlowClientsOptions, type SlowClientsReport, type PendingEdgeOptions, type PendingEdgeReport } from './scenarios/slow-clients.js';
export { runWorkerKill, workerKillCriteria, type WorkerKillOptions, type WorkerKillReport } from './scenarios/worker-kill.js';
export { runDaemonKill, daemonKillCriteria, type DaemonKillOptions, type DaemonKillReport } from './scenarios/daemon-kill.js';
export {
  runControlVectors,
  controlVectorsCriteria,
  runManyRegistrations,
  manyRegistrationsCriteria,
  runRegistrationFlood,
  floodCriteria,
  runUnlistedUser,
  unlistedUserCriteria,
} from './scenarios/registration-abuse.js';
export { runPrivileges, privilegesCriteria, type PrivilegesOptions, type PrivilegesReport } from './scenarios/privileges.js';
