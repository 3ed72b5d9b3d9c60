import { accessSync, constants, existsSync, lstatSync, statSync } from 'node:fs';
import { dirname, sep } from 'node:path';
import {
  ControlError,
  ControlErrorCodes,
  MAX_SOCKET_PATH_BYTES,
  accountLabel,
  describeProblem,
  readState,
  resolveInstance,
  type InstancePaths,
  type PathProblem,
} from '@portshare/control';
import { PortshareError } from '@portshare/framing';
import { isSupported as isHandoffSupported, unsupportedReason as handoffUnsupportedReason } from '@portshare/handoff';
import { entryProblems, folderTrust, instanceProblems, loadConfig, type FolderTrust, type ServiceConfig } from '@portshare/service';
import { probe } from './daemon-client.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  check: string;
  status: CheckStatus;
  detail: string;
}

const uid = (): number => process.getuid?.() ?? 0;

function socketPathCheck(paths: InstancePaths): CheckResult {
  const bytes = Buffer.byteLength(paths.controlSocket);
  return { check: 'control socket path', status: 'ok', detail: `${paths.controlSocket} (${bytes} of ${MAX_SOCKET_PATH_BYTES} bytes)` };
}

function configCheck(paths: InstancePaths): { result: CheckResult; config: ServiceConfig | undefined } {
  try {
    const config = loadConfig(paths.configFile);
    const detail = existsSync(paths.configFile) ? `${paths.configFile} is valid` : `no file at ${paths.configFile}: the defaults apply`;
    return { result: { check: 'configuration', status: 'ok', detail }, config };
  } catch (err) {
    return { result: { check: 'configuration', status: 'fail', detail: (err as Error).message }, config: undefined };
  }
}

function handoffCheck(config: ServiceConfig | undefined): CheckResult {
  const check = 'hand-off addon';
  if (!isHandoffSupported()) {
    return {
      check,
      status: 'warn',
      detail:
        `${handoffUnsupportedReason() ?? 'the native addon does not load'}: connections will be proxied through the service ` +
        '(slower, and the service stays in the data path). Build the addon with a C compiler: pnpm --filter @portshare/handoff build',
    };
  }
  if (config?.handoff === 'proxy') return { check, status: 'ok', detail: "loads, but handoff is 'proxy' in the configuration: connections are proxied" };
  return { check, status: 'ok', detail: 'loads: sockets are passed to workers (SCM_RIGHTS)' };
}

function startModeChecks(paths: InstancePaths): CheckResult[] {
  let state;
  try {
    state = readState(paths);
  } catch (err) {
    return [{ check: 'start mode', status: 'fail', detail: `cannot read ${paths.stateFile}: ${(err as Error).message}. Run 'portshare enable' (or disable) to rewrite it.` }];
  }
  if (state.startMode === 'disabled') {
    return [{ check: 'start mode', status: 'warn', detail: "disabled: starts are refused. Enable with 'portshare enable'" }];
  }
  const results: CheckResult[] = [{ check: 'start mode', status: 'ok', detail: 'enabled (demand): workers start the service on demand' }];
  const exe = state.command?.[0];
  // The script is the first argument that is not a Node option (the options come before it).
  const script = state.command?.slice(1).find((a) => !a.startsWith('-'));
  if (exe === undefined) {
    results.push({ check: 'start command', status: 'warn', detail: "none recorded: workers cannot start the service. Run 'portshare enable' again" });
  } else {
    const missing = [exe, script].filter((f): f is string => f !== undefined && !existsSync(f));
    results.push(
      missing.length === 0
        ? { check: 'start command', status: 'ok', detail: state.command!.join(' ') }
        : { check: 'start command', status: 'fail', detail: `${missing.join(', ')} no longer exists. Run 'portshare enable' again to record the current installation` },
    );
  }
  return results;
}

function nearestExisting(dir: string): string {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Is `path` the folder `dir` or one of the folders above it? */
const isAtOrAbove = (path: string, dir: string): boolean => dir === path || dir.startsWith(path.endsWith(sep) ? path : `${path}${sep}`);
/** A problem with the run folder: on the way to it, the folder itself, or in it. */
const aboutRunDir = (p: PathProblem, paths: InstancePaths): boolean => isAtOrAbove(p.path, paths.runDir) || isAtOrAbove(paths.runDir, p.path);

/**
 * The instance's folders, and what is in them, judged as the daemon judges them when it starts
 * (instance-files.ts in @portshare/service): the same problems, word for word, so `doctor` says
 * why a start is refused.
 */
function folderFindings(paths: InstancePaths, config: ServiceConfig | undefined): { trust: FolderTrust; problems: PathProblem[] } | CheckResult {
  try {
    const trust = folderTrust(paths, config);
    return { trust, problems: [...instanceProblems(paths, config, trust), ...entryProblems(paths, config, trust)] };
  } catch (err) {
    return { check: 'instance folders', status: 'warn', detail: `cannot inspect them as uid ${uid()}: ${(err as Error).message}` };
  }
}

function foldersCheck(paths: InstancePaths, found: { problems: PathProblem[] }): CheckResult {
  const check = 'instance folders';
  const others = found.problems.filter((p) => !aboutRunDir(p, paths));
  if (others.length === 0) {
    return { check, status: 'ok', detail: 'the configuration, state and log folders belong to root or to the service, and nobody else can write them' };
  }
  return { check, status: 'fail', detail: `the service will not start: ${others.map(describeProblem).join(' Also: ')}` };
}

function runDirCheck(paths: InstancePaths, found: { trust: FolderTrust; problems: PathProblem[] }): CheckResult {
  const check = 'run directory';
  const dir = paths.runDir;
  const unsafe = found.problems.find((p) => aboutRunDir(p, paths));
  if (unsafe !== undefined) return { check, status: 'fail', detail: `the service will not start: ${describeProblem(unsafe)}` };
  if (!existsSync(dir)) {
    const parent = nearestExisting(dir);
    return writable(parent)
      ? { check, status: 'ok', detail: `${dir} does not exist yet; the service creates it` }
      : { check, status: 'fail', detail: `${dir} does not exist and ${parent} is not writable by uid ${uid()}: start the service as root, or choose another --home` };
  }
  const st = statSync(dir);
  const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
  if (!st.isDirectory()) return { check, status: 'fail', detail: `${dir} is not a directory: remove it` };
  if (!writable(dir) && uid() !== 0) {
    return { check, status: 'warn', detail: `${dir} (mode ${mode}, owner uid ${st.uid}) is not writable by uid ${uid()}: only its owner can start the service here` };
  }
  if (found.trust.serviceUid !== undefined && lstatSync(dir).uid === found.trust.serviceUid) {
    return {
      check,
      status: 'warn',
      detail: `${dir} belongs to the service account, ${accountLabel(found.trust.serviceUid)}, as earlier versions left it: the next start takes it back for root, so that account cannot put links where root writes`,
    };
  }
  const workers = `${dir}/workers`;
  if (existsSync(workers)) {
    const w = statSync(workers).mode & 0o7777;
    if (w !== 0o1777) {
      return { check, status: 'warn', detail: `${workers} has mode ${w.toString(8)}, not 1777: workers of other users cannot create their hand-off sockets. Run: chmod 1777 ${workers}` };
    }
  }
  return { check, status: 'ok', detail: `${dir} (mode ${mode}, owner uid ${st.uid})` };
}

async function serviceCheck(paths: InstancePaths, runDirTrusted: boolean): Promise<CheckResult> {
  const check = 'service';
  if (!runDirTrusted) {
    // Whatever answers there is not known to be the service: the run folder is someone else's.
    return { check, status: 'fail', detail: `not asked: the run directory cannot be trusted (see above), so whatever answers on ${paths.controlSocket} may not be the portshare service` };
  }
  try {
    const hello = await probe(paths, 2000);
    if (hello) return { check, status: 'ok', detail: `running (pid ${hello.pid}, version ${hello.daemonVersion}, hand-off ${hello.handoff})` };
    const stale = existsSync(paths.controlSocket) ? ` (${paths.controlSocket} is left from a service that ended; the next start replaces it)` : '';
    return { check, status: 'warn', detail: `not running${stale}. Start it with 'portshare start --detach'` };
  } catch (err) {
    const detail = err instanceof ControlError && err.code === ControlErrorCodes.AccessDenied
      ? `${err.message}`
      : `cannot ask it: ${(err as Error).message}`;
    return { check, status: 'fail', detail };
  }
}

/**
 * Everything that commonly stands between an administrator and a working service, each reported
 * ok, warn or fail with what to do. Never throws for a finding: a finding is a result.
 */
export async function runDoctor(home: string | undefined): Promise<CheckResult[]> {
  let paths: InstancePaths;
  try {
    paths = resolveInstance({ home });
  } catch (err) {
    if (err instanceof PortshareError) return [{ check: 'control socket path', status: 'fail', detail: err.message }];
    throw err;
  }
  const { result: configResult, config } = configCheck(paths);
  const found = folderFindings(paths, config);
  return [
    socketPathCheck(paths),
    handoffCheck(config),
    configResult,
    ...startModeChecks(paths),
    ...('check' in found ? [found] : [runDirCheck(paths, found), foldersCheck(paths, found)]),
    await serviceCheck(paths, 'check' in found || !found.problems.some((p) => aboutRunDir(p, paths))),
  ];
}
