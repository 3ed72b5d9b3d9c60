// `@portshare/service/routing`: the daemon's routing table, for tools that measure or inspect it
// (the bench times its lookups). Not part of the root API: the daemon is what uses it.
export { RoutingTable, pathSegments, type RouteKey, type RouteEntry } from './routing-table.js';
