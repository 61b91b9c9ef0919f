// The Win32 bindings of the SPTI transport, on any OS: the C declarations koffi is given (parsed
// by koffi itself; BOOL is a 4-byte int), and what bindKernel32 makes of the values those
// functions return, over doubles of kernel32 and cfgmgr32.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DwError } from '../../src/errors.js';
import {
  bindKernel32,
  kernel32Declarations,
  win32Bool,
  type NativeFunction,
  type NativeLibrary,
} from '../../src/transport/spti/kernel32.js';
import { h } from '../helpers/bytes.js';
import { koffi, skipWithoutKoffi as skip } from '../helpers/koffi.js';

let unique = 0;
/** koffi's own reading of a declaration (renamed, since prototype names are global). */
function proto(declaration: string) {
  const renamed = declaration.replace(/(\w+)\(/, (_, name: string) => `${name}_t${unique++}(`);
  return koffi!.proto(renamed) as unknown as {
    proto: { result: { primitive: string; size: number }; arguments: unknown[] };
  };
}

type Impl = Record<string, (...args: unknown[]) => unknown>;

/** A library whose functions run `impl`; `async` calls back on a later turn, as koffi does. */
function library(impl: Impl, calls: { name: string; args: unknown[] }[]): NativeLibrary {
  return {
    func(declaration: string): NativeFunction {
      const name = /(\w+)\(/.exec(declaration)![1]!;
      const run = (args: unknown[]) => {
        calls.push({ name, args });
        const fn = impl[name];
        if (fn === undefined) throw new Error(`${name} not in the double`);
        return fn(...args);
      };
      const f = ((...args: unknown[]) => run(args)) as NativeFunction;
      f.async = (...args: unknown[]) => {
        const cb = args.pop() as (err: unknown, value: unknown) => void;
        setImmediate(() => cb(null, run(args)));
      };
      return f;
    },
  };
}

function bind(impl: Impl) {
  const calls: { name: string; args: unknown[] }[] = [];
  let lastError = 0;
  const k32 = bindKernel32(koffi!, {
    kernel32: library({ GetLastError: () => lastError, ...impl }, calls),
    cfgmgr32: library(impl, calls),
  });
  return { k32, calls, setLastError: (e: number) => (lastError = e) };
}

const noBuffers = { input: 0n, inputBytes: 0, output: 0n, outputBytes: 0, returned: 0x5000n };

describe('kernel32 declarations', { skip }, () => {
  it('parse in koffi for x64 and x86; every BOOL is a 4-byte int', () => {
    const bools = [
      'DeviceIoControl',
      'CancelIoEx',
      'CloseHandle',
      'GetVolumeNameForVolumeMountPointW',
    ];
    for (const bytes of [8, 4] as const) {
      const d = kernel32Declarations(bytes);
      for (const [name, declaration] of Object.entries(d)) {
        const p = proto(declaration);
        if (bools.includes(name)) {
          assert.equal(p.proto.result.primitive, 'Int32', `${name} (${bytes})`);
          assert.equal(p.proto.result.size, 4);
        }
      }
      assert.equal(proto(d.DeviceIoControl!).proto.arguments.length, 8);
      assert.match(d.DeviceIoControl!, bytes === 4 ? /__stdcall/ : /^int DeviceIoControl/);
    }
  });
  it('win32Bool: any nonzero value is TRUE', () => {
    assert.equal(win32Bool(1), true);
    assert.equal(win32Bool(0x100), true);
    assert.equal(win32Bool(-2), true);
    assert.equal(win32Bool(0), false);
    assert.equal(win32Bool(0n), false);
    assert.equal(win32Bool(undefined), false);
  });
});

describe('bindKernel32', { skip }, () => {
  it('DeviceIoControl: a nonzero even BOOL succeeds; FALSE carries GetLastError', async () => {
    const results = [0x100, 0];
    const { k32, calls, setLastError } = bind({ DeviceIoControl: () => results.shift() });
    const b = {
      input: 0x1000n,
      inputBytes: 88,
      output: 0x1000n,
      outputBytes: 88,
      returned: 0x0ff8n,
    };
    assert.deepEqual(await k32.deviceIoControl(0x40n, 0x4d014, b), { value: true, error: 0 });
    setLastError(22);
    assert.deepEqual(await k32.deviceIoControl(0x40n, 0x4d014, noBuffers), {
      value: false,
      error: 22,
    });
    const [first, second] = calls.filter((c) => c.name === 'DeviceIoControl');
    // Addresses go to the call as they are; absent buffers as NULL.
    assert.deepEqual(first!.args, [0x40n, 0x4d014, 0x1000n, 88, 0x1000n, 88, 0x0ff8n, null]);
    assert.deepEqual(second!.args, [0x40n, 0x4d014, null, 0, null, 0, 0x5000n, null]);
  });

  it('CancelIoEx: nonzero even is success; none pending is ERROR_NOT_FOUND', () => {
    const results = [0x200, 0];
    const { k32, calls, setLastError } = bind({ CancelIoEx: () => results.shift() });
    assert.deepEqual(k32.cancelIo(0x40n), { value: true, error: 0 });
    setLastError(1168);
    assert.deepEqual(k32.cancelIo(0x40n), { value: false, error: 1168 });
    assert.deepEqual(calls.find((c) => c.name === 'CancelIoEx')!.args, [0x40n, null]);
  });

  it('CreateFileW: INVALID_HANDLE_VALUE and NULL are failures, other values handles', async () => {
    const results: unknown[] = [0xffffffffffffffffn, null, 0x1234n];
    const { k32, setLastError } = bind({ CreateFileW: () => results.shift() });
    setLastError(2);
    assert.deepEqual(await k32.createFile('\\\\.\\Q:', 0), { value: undefined, error: 2 });
    assert.deepEqual(await k32.createFile('\\\\.\\Q:', 0), { value: undefined, error: 2 });
    assert.deepEqual(await k32.createFile('\\\\.\\D:', 0), { value: 0x1234n, error: 0 });
  });

  it('GetVolumeNameForVolumeMountPointW: a nonzero even BOOL returns the name', () => {
    const name = '\\\\?\\Volume{1b3c5d7e-0000-0000-0000-100000000000}\\';
    const { k32 } = bind({
      GetVolumeNameForVolumeMountPointW: (_root: unknown, buf: unknown) => {
        (buf as Uint8Array).set(Buffer.from(`${name}\0`, 'utf16le'));
        return 0x100;
      },
    });
    assert.equal(k32.volumeNameForMountPoint('D:\\'), name);
  });

  it('CM_Get_Device_Interface_ListW: asks again when the list grew, decodes the paths', () => {
    const paths = [
      '\\\\?\\ide#cdrom#1#{53f56308-b6bf-11d0-94f2-00a0c91efb8b}',
      '\\\\?\\usb#x#2#{…}',
    ];
    const list = Buffer.from(paths.map((p) => `${p}\0`).join('') + '\0', 'utf16le');
    const guids: Uint8Array[] = [];
    let sizeCalls = 0;
    const { k32 } = bind({
      CM_Get_Device_Interface_List_SizeW: (len: unknown, guid: unknown) => {
        guids.push(Uint8Array.from(guid as Uint8Array));
        // First an old, smaller size: the list changes between the calls.
        const chars = sizeCalls++ === 0 ? 3 : list.length / 2;
        new DataView((len as Uint8Array).buffer).setUint32(0, chars, true);
        return 0;
      },
      CM_Get_Device_Interface_ListW: (_g: unknown, id: unknown, buf: unknown, chars: unknown) => {
        assert.equal(id, null);
        if ((chars as number) * 2 < list.length) return 0x1a; // CR_BUFFER_SMALL
        (buf as Uint8Array).set(list);
        return 0;
      },
    });
    assert.deepEqual(k32.cdromInterfacePaths(), paths);
    assert.equal(sizeCalls, 2);
    assert.deepEqual(guids[0], h('0863F553 BFB6 D011 94F2 00A0C91EFB8B'));
  });

  it('a CONFIGRET failure is a DwError', () => {
    const { k32 } = bind({ CM_Get_Device_Interface_List_SizeW: () => 0x3 });
    assert.throws(
      () => k32.cdromInterfacePaths(),
      (e: unknown) => e instanceof DwError,
    );
  });
});
