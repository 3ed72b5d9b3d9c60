export { freePort, exchange, sleep, socketFd, type Exchange } from './net.js';
export { spawnNode, type NodeProcess } from './process.js';
export { makeInstance, startDaemon, daemonStatus, type Instance, type DaemonProcess } from './instance.js';
export { ensureAccount, letOthersReach, letOthersRun, rootForSuite, type Account } from './users.js';
export { makeTestPki, type TestCredential, type TestPki } from './pki.js';
