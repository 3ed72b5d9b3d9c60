import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { applyEdits, modify } from 'jsonc-parser';
import type { InstancePaths } from '@portshare/control';
import { checkConfigOnHost, validateConfig, type StaticRoute } from '@portshare/service';
import { runningService } from './running-service.js';

/**
 * Changes the `routes` list of a configuration file, keeping the rest of the file as it is
 * (jsonc-parser edits the text), after checking the whole result as the daemon will (validateConfig,
 * that the route's host resolves, and that the ports it binds are free or this instance's
 * daemon's, as `config validate` checks). Written to a temporary file next to it, then renamed over it.
 */
export async function editRoutes(paths: InstancePaths, file: string, change: (routes: StaticRoute[]) => StaticRoute[]): Promise<StaticRoute[]> {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '{}\n';
  const current = validateConfig(JSON.parse(text), file);
  const routes = change(current.routes.map((r) => ({ ...r })));
  const edited = applyEdits(text, modify(text, ['routes'], routes, { formattingOptions: { insertSpaces: true, tabSize: 2 } }));
  const config = validateConfig(JSON.parse(edited), file);
  await checkConfigOnHost(config, { source: file, defaultLogFile: '-', ports: { running: await runningService(paths) } });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, edited.endsWith('\n') ? edited : `${edited}\n`, { flag: 'wx', mode: 0o644 });
  renameSync(tmp, file);
  return config.routes;
}

/** Whether two URIs name the same route (the comparison the routing table makes: case-insensitive). */
export function sameRoute(a: { uri: string; hostNameComparisonMode: string }, uri: string, mode: string): boolean {
  return a.uri.toLowerCase() === uri.toLowerCase() && a.hostNameComparisonMode === mode;
}
