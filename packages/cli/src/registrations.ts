import type { RegistrationStatus, StaticRouteStatus } from '@portshare/control';
import { renderTable, type Column } from './table.js';

const columns: Column<RegistrationStatus>[] = [
  { header: 'id', value: (r) => r.id, right: true },
  { header: 'uri', value: (r) => r.uri },
  { header: 'host mode', value: (r) => r.hostNameComparisonMode },
  { header: 'transport', value: (r) => r.transport },
  { header: 'pid', value: (r) => r.pid, right: true },
  { header: 'user', value: (r) => r.user ?? r.uid },
  { header: 'dispatched', value: (r) => r.dispatched, right: true },
  { header: 'queue', value: (r) => r.queueLength, right: true },
];

/** The registrations table shared by `status` and `routes`. */
export function registrationsTable(registrations: readonly RegistrationStatus[]): string {
  if (registrations.length === 0) return 'No registrations: no worker has registered a URI.';
  return renderTable(columns, registrations);
}

const backendText = (b: StaticRouteStatus['backends'][number]): string => {
  const host = b.to.slice(0, b.to.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  return `${b.to}${host === b.address ? '' : ` (${b.address})`}${b.healthy ? '' : ` down: ${b.lastError ?? '?'}`}`;
};

const routeColumns: Column<StaticRouteStatus>[] = [
  { header: 'static route', value: (r) => r.uri },
  { header: 'host mode', value: (r) => r.hostNameComparisonMode },
  { header: 'to', value: (r) => r.backends.map(backendText).join(', ') },
  { header: 'dispatched', value: (r) => r.dispatched, right: true },
];

/** The static routes table shared by `status` and `routes`; empty text when there are none. */
export function staticRoutesTable(routes: readonly StaticRouteStatus[] | undefined): string {
  return routes === undefined || routes.length === 0 ? '' : renderTable(routeColumns, routes);
}
