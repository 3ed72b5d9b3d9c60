import { ConfigPathCommand } from './commands/config/path.js';
import { ConfigCommand } from './commands/config/show.js';
import { ConfigValidateCommand } from './commands/config/validate.js';
import { DisableCommand } from './commands/disable.js';
import { DoctorCommand } from './commands/doctor.js';
import { EnableCommand } from './commands/enable.js';
import { InstallServiceCommand } from './commands/install-service.js';
import { LogsCommand } from './commands/logs.js';
import { PauseCommand } from './commands/pause.js';
import { RestartCommand } from './commands/restart.js';
import { ResumeCommand } from './commands/resume.js';
import { RoutesCommand } from './commands/routes.js';
import { RoutesAddCommand } from './commands/routes/add.js';
import { RoutesRemoveCommand } from './commands/routes/remove.js';
import { StartCommand } from './commands/start.js';
import { StatusCommand } from './commands/status.js';
import { StopCommand } from './commands/stop.js';
import { UninstallServiceCommand } from './commands/uninstall-service.js';

/**
 * Every command, by id (oclif's "explicit" discovery: package.json oclif.commands points here).
 * Ids with ':' are typed with a space: `portshare config validate`.
 */
export const COMMANDS = {
  enable: EnableCommand,
  disable: DisableCommand,
  start: StartCommand,
  stop: StopCommand,
  restart: RestartCommand,
  status: StatusCommand,
  pause: PauseCommand,
  resume: ResumeCommand,
  routes: RoutesCommand,
  'routes:add': RoutesAddCommand,
  'routes:remove': RoutesRemoveCommand,
  logs: LogsCommand,
  doctor: DoctorCommand,
  config: ConfigCommand,
  'config:validate': ConfigValidateCommand,
  'config:path': ConfigPathCommand,
  'install-service': InstallServiceCommand,
  'uninstall-service': UninstallServiceCommand,
};
