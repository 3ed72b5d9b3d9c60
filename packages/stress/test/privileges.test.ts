// Privileges: started as root on port 808, the daemon runs on as nobody; the control socket's mode
// and the allow list both hold.
import { describe, it } from 'vitest';
import { privilegesCriteria, runPrivileges, type PrivilegesReport } from '../src/scenarios/privileges.js';
import { rootAvailable } from '../src/util.js';
import { expectCriterion } from './criteria.js';

describe.skipIf(!rootAvailable('privileges'))('started as root with {"user": "nobody", "reservedPorts": [808]}', () => {
  let report: PrivilegesReport | undefined;
  const run = async (): Promise<PrivilegesReport> => {
    report ??= await runPrivileges();
    return report;
  };

  for (const name of [
    'the daemon runs on as nobody',
    'port 808 bound before the drop',
    'the control socket keeps its mode and belongs to the daemon user',
    "a user not on the allow list is refused with WCF's text",
    "root, the daemon's own user and listed users may register (high port)",
    'the reserved port 808 takes registrations after the drop (root, proxy hand-off)',
    "root, the daemon's own user and listed users may register on the reserved port 808",
    "only root and the daemon's own user may pause it",
    "a low port that was not reserved fails with WCF's text and the reason",
    'no crash',
  ]) {
    it(name, async () => expectCriterion(privilegesCriteria(await run()), name));
  }
});
