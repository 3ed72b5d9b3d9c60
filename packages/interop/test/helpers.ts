import { ControlClient, type InstancePaths, type StatusReply } from '@portshare/control';
import type { ChildProgram } from '../src/index.js';

/**
 * Talks to csharp/TestClient.cs: sends `label<TAB>command<TAB>args…` and returns the fields of
 * the line that answers it (without the label). Labels must be unique within one client.
 */
export async function ask(client: ChildProgram, label: string, ...command: string[]): Promise<string[]> {
  if (label.includes('\t')) throw new Error(`label '${label}' contains a tab`);
  client.writeLine([label, ...command].join('\t'));
  const line = await client.nextLine((l) => l.startsWith(`${label}\t`));
  return line.split('\t').slice(1);
}

/** Lines answering `label` until (and including) the one whose second field is `last`. */
export async function askMany(client: ChildProgram, label: string, last: string, ...command: string[]): Promise<string[][]> {
  client.writeLine([label, ...command].join('\t'));
  const rows: string[][] = [];
  for (;;) {
    const fields = (await client.nextLine((l) => l.startsWith(`${label}\t`))).split('\t').slice(1);
    rows.push(fields);
    if (fields[0] === last) return rows;
  }
}

/** The daemon's status (counters, registrations). */
export async function daemonStatus(paths: InstancePaths): Promise<StatusReply> {
  const c = await ControlClient.connect(paths.controlSocket);
  try {
    return await c.request({ op: 'status' });
  } finally {
    c.destroy();
  }
}

/** UTF-8 hex, the canonical text of a string (csharp/Canon.cs). */
export const hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');
