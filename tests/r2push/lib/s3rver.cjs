// Starts @20minutes/s3rver (it verifies SigV4) the way its missing bin script
// would: `node s3rver.cjs -d DIR -a 127.0.0.1 -p 0 --configure-bucket NAME`.
// It prints "S3rver listening on 127.0.0.1:PORT".
//
// S3RVER_CLOCK_OFFSET_MS shifts the server's clock (Date) by that many ms: the
// clock-skew test runs a server whose time is 30 minutes off instead of
// faking the client's time (faketime is not available here).
'use strict';
const offset = Number(process.env.S3RVER_CLOCK_OFFSET_MS || 0);
if (offset) {
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offset;
    }
  }
  global.Date = ShiftedDate;
}
// Die with the test that started us, even if it is killed without cleanup.
const parent = process.ppid;
setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch {
    process.exit(0);
  }
}, 1000).unref();
// S3RVER_WORKERS=N (benchmarks): N processes share the port (node:cluster),
// so that one JavaScript thread is not the limit of every client. The first
// worker creates the bucket; the others start once it listens.
const cluster = require('node:cluster');
const workers = Number(process.env.S3RVER_WORKERS || 1);
if (workers > 1 && cluster.isPrimary) {
  cluster.fork().once('listening', () => {
    for (let i = 1; i < workers; i++) cluster.fork();
  });
} else {
  require('@20minutes/s3rver/lib/cli.js').parseAsync(process.argv);
}
