export { StressError, StressErrorCodes, type StressErrorCode } from './errors.js';
export { criterion, failures, machineFacts, summariseLog, type Criterion, type LogSummary, type MachineFacts } from './report.js';
export { Daemon, Instance, SERVICE_MAIN, type DaemonStartOptions } from './instance.js';
export {
  ChildProgram,
  SessionWorker,
  requestAs,
  startAbuser,
  startHoldSampler,
  startProgram,
  type AbuserSpec,
  type HoldFigures,
  type RunAs,
  type SessionWorkerSpec,
} from './workers.js';
export { closedLoop, goodSession, rawExchange, type GoodSessionOptions, type RawEnd, type RawExchangeOptions, type RawOutcome, type SessionOutcome } from './clients.js';
export { expectOutcome, parsePreamble, type Expectation, type Expected, type FuzzRoute, type FuzzTarget } from './fuzz/oracle.js';
export { buildCorpus, generateInput, type FuzzInput, type InputFamily, type Seed } from './fuzz/generate.js';
export { runFuzz, fuzzCriteria, FuzzDefaults, type FuzzOptions, type FuzzReport } from './scenarios/fuzz.js';
export { runStalledWorker, stalledWorkerCriteria, type StalledWorkerOptions, type StalledWorkerReport } from './scenarios/stalled-worker.js';
export { goodFigures, rateRatio, cpuSummary, MIN_RATE_RATIO, type GoodClientFigures } from './good-clients.js';
export { startCpuMeter, type CpuFigures } from './proc.js';
export { runSlowClients, slowClientsCriteria, type SlowClientsOptions, type SlowClientsReport } from './scenarios/slow-clients.js';
export {
  runPendingEdge,
  pendingEdgeCriteria,
  AT_ONCE_MS,
  PROBATION_MS,
  type ClientFate,
  type PendingEdgeOptions,
  type PendingEdgeReport,
} from './scenarios/pending-edge.js';
export { runBurst, burstCriteria, BurstDefaults, type BurstOptions, type BurstReport } from './scenarios/burst.js';
export { runChurn, churnCriteria, ChurnDefaults, type ChurnOptions, type ChurnReport } from './scenarios/churn.js';
export { runWorkerKill, workerKillCriteria, type WorkerKillOptions, type WorkerKillReport } from './scenarios/worker-kill.js';
export { runDaemonKill, daemonKillCriteria, type DaemonKillOptions, type DaemonKillReport } from './scenarios/daemon-kill.js';
export {
  runRestart,
  restartCriteria,
  RestartDefaults,
  MIN_SESSIONS_PER_SECOND,
  type RestartOptions,
  type RestartReport,
  type RestartRound,
  type RestartWay,
} from './scenarios/restart.js';
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
