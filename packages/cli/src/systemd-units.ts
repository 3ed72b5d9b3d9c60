import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * The systemd units shipped in @portshare/service (its systemd/ folder), filled in for this
 * install (the @NAME@ placeholders): ExecStart= runs the Node binary and the service main module this CLI would start on
 * demand (service-binary.ts), and portshare.socket listens on the ports asked for.
 * systemd.service(5), systemd.socket(5), systemd.syntax(7).
 */

export const SERVICE_UNIT = 'portshare.service';
export const SOCKET_UNIT = 'portshare.socket';
/** The control socket, so that connecting to it starts the service (on-demand start under systemd). */
export const CONTROL_SOCKET_UNIT = 'portshare-control.socket';
export const UNIT_NAMES = [SERVICE_UNIT, SOCKET_UNIT, CONTROL_SOCKET_UNIT] as const;

/** The first line of every unit `install-service` writes: `uninstall-service` removes only those. */
export const UNIT_MARKER = '# Written by `portshare install-service`; `portshare uninstall-service` removes it.';

/** Where administrators' units live (systemd.unit(5), "System Unit Search Path"), under `root`. */
export function unitFolder(root: string): string {
  return join(root, 'etc', 'systemd', 'system');
}

function servicePackageDir(): string {
  return dirname(fileURLToPath(import.meta.resolve('@portshare/service/package.json')));
}

/**
 * One command-line word for ExecStart= (systemd.service(5), "Command lines"): `%` starts a
 * specifier and `$` a variable, so both are doubled; a word with a space, a quote or a backslash
 * is double-quoted with C escapes.
 */
export function unitWord(word: string): string {
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (!/[\s"'\\;]/.test(escaped) && escaped !== '') return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * A `--listen` value as a ListenStream= value: a port (`808`: every address, IPv4 and IPv6), or
 * `address:port` (`127.0.0.1:808`, `[::1]:808`). Throws with what is accepted otherwise.
 */
export function listenStream(value: string): string {
  const m = /^(?:(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]):)?(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) {
    throw new Error(`'${value}' is not a port: use a port number from 1 to 65535 (808), or address:port (127.0.0.1:808, [::1]:808).`);
  }
  return m[1] === undefined ? String(port) : `${m[1]}:${port}`;
}

export interface UnitOptions {
  /** The daemon's argv: the Node binary and the service's main module. */
  execStart: readonly string[];
  /** ListenStream= values (see listenStream). */
  listen: readonly string[];
}

/** The units' text, by file name. */
export function renderUnits(options: UnitOptions): Record<(typeof UNIT_NAMES)[number], string> {
  const dir = servicePackageDir();
  const readme = join(dir, 'README.md');
  const fill = (name: string, values: Record<string, string>): string => {
    let text = readFileSync(join(dir, 'systemd', name), 'utf8');
    for (const [key, value] of Object.entries(values)) text = text.replaceAll(`@${key}@`, () => value);
    return `${UNIT_MARKER}\n${text}`;
  };
  return {
    [SERVICE_UNIT]: fill(SERVICE_UNIT, { README: readme, EXEC_START: options.execStart.map(unitWord).join(' ') }),
    [SOCKET_UNIT]: fill(SOCKET_UNIT, { README: readme, LISTEN_STREAMS: options.listen.map((l) => `ListenStream=${l}`).join('\n') }),
    [CONTROL_SOCKET_UNIT]: fill(CONTROL_SOCKET_UNIT, { README: readme }),
  };
}
