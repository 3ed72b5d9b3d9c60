/**
 * `@portshare/host`: WCF's ServiceHost for net.tcp in one object. Contracts and implementations
 * from `@portshare/soap`, the transport from `@portshare/worker`.
 *
 * @packageDocumentation
 */

export {
  ServiceHost,
  type CloseOptions,
  type ServiceHostEvents,
  type ServiceHostOptions,
  type ServiceHostState,
} from './service-host.js';
export { HostError, HostErrorCodes, type HostErrorCode } from './errors.js';
