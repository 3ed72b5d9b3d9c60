import { afterAll, describe, expect, it } from 'vitest';
import { ControlError, ControlErrorCodes, notRunningMessage, writeState } from '@portshare/control';
import { ServiceError, ServiceErrorCodes } from '@portshare/service';
import { CliError, CliErrorCodes, exitCodeOf, presentError } from '../src/index.js';
import { makeHome } from './helpers.js';

const h = makeHome();
afterAll(() => h.cleanup());

describe('presentError', () => {
  it('tells a refused user which setting admits them, in which file (exit 5)', () => {
    const shown = presentError(new ControlError(ControlErrorCodes.AccessDenied, "The service endpoint failed to listen on the URI '(status)'"), h.paths);
    expect(shown).toMatchObject({ code: 'CONTROL_ERR_ACCESS_DENIED', exitCode: 5 });
    expect(shown!.message).toContain(`allowAccounts.users (or one of its groups to allowAccounts.groups) in ${h.paths.configFile}`);
    expect(shown!.message).toContain(`uid ${process.getuid!()}`);
  });

  it('adds "enable first" to not-running only while the instance is disabled (exit 3)', () => {
    const err = new ControlError(ControlErrorCodes.NotRunning, notRunningMessage(h.paths.controlSocket));
    writeState(h.paths, { startMode: 'disabled' });
    const disabled = presentError(err, h.paths)!;
    expect(disabled.exitCode).toBe(3);
    expect(disabled.message).toContain("run 'portshare enable' first");
    writeState(h.paths, { startMode: 'demand' });
    const enabled = presentError(err, h.paths)!;
    expect(enabled.message).toBe(notRunningMessage(h.paths.controlSocket));
  });

  it('maps every code to the service exit code vocabulary', () => {
    expect(presentError(new ServiceError(ServiceErrorCodes.Disabled, 'x'), h.paths)).toMatchObject({ exitCode: 4 });
    expect(presentError(new ServiceError(ServiceErrorCodes.AlreadyRunning, 'x'), h.paths)).toMatchObject({ exitCode: 6 });
    expect(presentError(new ServiceError(ServiceErrorCodes.BadConfig, "'a' is wrong."), h.paths)!.message).toContain('portshare config validate');
    expect(presentError(new ControlError(ControlErrorCodes.NotAdministrator, 'Only root may pause.'), h.paths)).toMatchObject({ exitCode: 5 });
    expect(presentError(new CliError(CliErrorCodes.ConfigNotFound, 'x'), h.paths)).toMatchObject({ exitCode: 78 });
    expect(exitCodeOf(CliErrorCodes.StopTimeout)).toBe(1);
    expect(exitCodeOf(ControlErrorCodes.Timeout)).toBe(1);
  });

  it('leaves anything that is not a PortshareError to the default handler', () => {
    expect(presentError(new TypeError('bug'), h.paths)).toBeUndefined();
    expect(presentError('text', undefined)).toBeUndefined();
  });
});
