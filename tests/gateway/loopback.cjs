'use strict';
// Preload (`node --require ./loopback.cjs ...`) that forces every TCP `server.listen` onto
// 127.0.0.1. The open-source Portkey gateway listens on all interfaces and has no host flag;
// the tests must never expose it beyond loopback.
//
// Every form of net.Server#listen that opens a TCP port is rewritten to the options form with
// `host: '127.0.0.1'`: listen(port[, host][, backlog][, cb]) and listen({port, host, ...}[, cb]).
// Unix-socket paths and handles are left alone (they are not network listeners).
const net = require('net');

const LOOPBACK = '127.0.0.1';
const originalListen = net.Server.prototype.listen;

function isPortLike(value) {
  return (
    value === undefined ||
    value === null ||
    typeof value === 'number' ||
    (typeof value === 'string' && /^\d+$/.test(value))
  );
}

net.Server.prototype.listen = function listen(...args) {
  const callback = typeof args[args.length - 1] === 'function' ? args.pop() : undefined;
  const first = args[0];
  let options;
  if (first !== null && typeof first === 'object' && !('fd' in first) && !('_handle' in first)) {
    if (first.path !== undefined) {
      return originalListen.apply(this, callback ? [...args, callback] : args);
    }
    options = { ...first, host: LOOPBACK };
  } else if (isPortLike(first)) {
    // listen(port[, host][, backlog]): the host, if any, is replaced.
    options = { port: first === undefined || first === null ? 0 : Number(first), host: LOOPBACK };
    const rest = args.slice(1);
    if (typeof rest[0] === 'string' || rest[0] === undefined || rest[0] === null) rest.shift();
    if (typeof rest[0] === 'number') options.backlog = rest[0];
  } else {
    return originalListen.apply(this, callback ? [...args, callback] : args);
  }
  return callback
    ? originalListen.call(this, options, callback)
    : originalListen.call(this, options);
};
