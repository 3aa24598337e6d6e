// Preloaded (node --require) by the discovery interop test: the reference
// server listens with only a port, which means every interface; this makes a
// port-only listen bind to 127.0.0.1, so the test server is never reachable
// from outside the machine.
"use strict";
const net = require("node:net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const portOnly =
    (typeof args[0] === "number" || typeof args[0] === "string") &&
    (args.length === 1 || typeof args[1] === "function");
  if (portOnly) {
    args.splice(1, 0, "127.0.0.1");
  }
  return listen.apply(this, args);
};
