// The SPTI transport's real native call path, on Linux: the bound DeviceIoControl is a C double
// (fake-device-io-control.c, compiled here) called through the same koffi declaration and async
// call as on Windows, with the transport's native addresses. It reads the pass-through structure,
// the CDB and data-out, and writes data-in and sense, on the worker thread after a delay while
// this thread allocates and forces garbage collections. Every CDB and data-out byte must arrive
// as sent and data-in must land where the transport reads it; with buffers in V8's heap a
// collection during the call could hand the double reused memory.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ScsiCommand } from '../../src/scsi/command.js';
import {
  bindKernel32,
  type NativeFunction,
  type NativeLibrary,
} from '../../src/transport/spti/kernel32.js';
import { openSptiTransportWith } from '../../src/transport/spti/transport.js';
import { koffi } from '../helpers/koffi.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, '../../../test/spti/fake-device-io-control.c');

let skip: string | false = false;
if (process.platform !== 'linux') skip = 'Linux only (the double is built with the C compiler)';
else if (koffi === undefined) skip = 'koffi unavailable';
else if (koffi.sizeof('void *') !== 8) skip = 'the double reads the x64 layout';
else {
  try {
    await run('cc', ['--version']);
  } catch {
    skip = 'no C compiler';
  }
}

const INTERFACE = '\\\\?\\ide#cdrom#0#{53f56308-b6bf-11d0-94f2-00a0c91efb8b}';

/** The rest of kernel32 and cfgmgr32 in JavaScript: one CD-ROM drive D: behind INTERFACE. */
function jsLibrary(): NativeLibrary {
  const impl: Record<string, (...a: unknown[]) => unknown> = {
    CreateFileW: () => 0x40n,
    CloseHandle: () => 1,
    CancelIoEx: () => 0,
    GetLastError: () => 0,
    GetLogicalDrives: () => 1 << 3,
    GetDriveTypeW: () => 5,
    GetVolumeNameForVolumeMountPointW: () => 0,
    CM_Get_Device_Interface_List_SizeW: (len: unknown) => {
      new DataView((len as Uint8Array).buffer).setUint32(0, INTERFACE.length + 2, true);
      return 0;
    },
    CM_Get_Device_Interface_ListW: (_g: unknown, _id: unknown, buf: unknown) => {
      (buf as Uint8Array).set(Buffer.from(`${INTERFACE}\0\0`, 'utf16le'));
      return 0;
    },
  };
  return {
    func(declaration) {
      const fn = impl[/(\w+)\(/.exec(declaration)![1]!]!;
      const f = ((...a: unknown[]) => fn(...a)) as NativeFunction;
      f.async = (...a: unknown[]) => {
        const cb = a.pop() as (e: unknown, v: unknown) => void;
        setImmediate(() => cb(null, fn(...a)));
      };
      return f;
    },
  };
}

function fnv1a(bytes: Uint8Array): number {
  let h = 2166136261;
  for (const b of bytes) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h >>> 0;
}

describe('SPTI through koffi under garbage collection', { skip }, () => {
  let dir = '';
  let so = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-spti-'));
    so = join(dir, 'fake-dic.so');
    await run('cc', ['-O2', '-shared', '-fPIC', '-o', so, source]);
  });
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('every CDB and data-out arrives as sent, every data-in lands where it is read', async () => {
    const k = koffi!;
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const native = k.load(so);
    native.func('void fake_spti_configure(unsigned int delay)')(300);
    const js = jsLibrary();
    const k32 = bindKernel32(k, {
      kernel32: {
        func: (d) => (d.includes(' DeviceIoControl(') ? native.func(d) : js.func(d)),
      },
      cfgmgr32: js,
    });
    const t = await openSptiTransportWith(k32, 'D:');
    assert.equal(t.limits().maxPageAlignedTransferBytes, 17 * 4096);

    let junk: Uint8Array[] = [];
    let churning = true;
    const churn = (): void => {
      if (!churning) return;
      gc();
      if (junk.length > 4096) junk = [];
      for (let i = 0; i < 128; i++) junk.push(new Uint8Array(8 + (i % 29)).fill(0xee));
      setImmediate(churn);
    };
    setImmediate(churn);

    let seed = 0x2545f491;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => random() & 0xff);
    const failures: string[] = [];
    try {
      for (let i = 0; i < 300; i++) {
        const cdb = bytes(6 + (random() % 11));
        if (i % 2 === 0) {
          const n = 1 + (random() % 4096);
          const command: ScsiCommand = { name: 'IN', cdb, direction: 'in', allocationLength: n };
          const r = await t.execute(command);
          const expected = Uint8Array.from({ length: n }, (_, j) => cdb[1]! + 31 * j + (j >> 8));
          if (r.status !== 0 || Buffer.compare(r.dataIn, expected) !== 0) {
            failures.push(`${i}: data-in differs`);
          }
        } else {
          const data = bytes(random() % (17 * 4096));
          const command: ScsiCommand = { name: 'OUT', cdb, direction: 'out', dataOut: data };
          const r = await t.execute(command);
          const v = new DataView(r.sense.buffer, r.sense.byteOffset, r.sense.length);
          if (r.status !== 2 || r.sense.length !== 18) failures.push(`${i}: no sense`);
          else if (v.getUint32(3) !== fnv1a(cdb)) failures.push(`${i}: CDB differs`);
          else if (v.getUint32(8) !== fnv1a(data)) failures.push(`${i}: data-out differs`);
        }
      }
    } finally {
      churning = false;
      await t.close();
    }
    assert.deepEqual(failures, []);
  });
});
