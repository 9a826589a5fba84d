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
// Real S3 and R2 replace an object atomically: a GET during a PUT gets the
// old object or the new one. s3rver's filesystem store writes in place, so a
// reader can get 0 bytes or half a metadata file (a 500) — under load that
// showed up in tests/faults as violations the pipeline did not cause. Write
// to a temporary name and rename, as the real stores behave.
{
  const fsp = require('fs').promises;
  const crypto = require('crypto');
  const FilesystemStore = require('@20minutes/s3rver/lib/stores/filesystem.js');
  let temporaries = 0;
  const temporary = (file) => `${file}.tmp-${process.pid}-${++temporaries}`;
  const writeInPlace = fsp.writeFile.bind(fsp);
  const replace = async (file, write) => {
    const tmp = temporary(file);
    try {
      const result = await write(tmp);
      await fsp.rename(tmp, file);
      return result;
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      throw e;
    }
  };
  fsp.writeFile = (file, data, options) =>
    typeof file === 'string' ? replace(file, (tmp) => writeInPlace(tmp, data, options)) : writeInPlace(file, data, options);
  const putContent = FilesystemStore.prototype.putContent;
  FilesystemStore.prototype.putContent = function (objectPath, content) {
    // A Buffer is written without waiting for the stream to finish; write it
    // whole ourselves so the rename follows the last byte.
    if (Buffer.isBuffer(content)) {
      const md5 = crypto.createHash('md5').update(content).digest('hex');
      return replace(objectPath, (tmp) => writeInPlace(tmp, content)).then(() => [content.length, md5]);
    }
    return replace(objectPath, (tmp) => putContent.call(this, tmp, content));
  };
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
