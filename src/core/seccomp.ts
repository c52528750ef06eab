/**
 * A seccomp filter (classic BPF, as bubblewrap's `--seccomp FD` takes it) that refuses to make
 * FIFOs, sockets and devices with mknod: what a session could plant in a file parx reads (a FIFO
 * opened for reading blocks until someone writes, and would hold up `parx status`, the guard or
 * the hook). Regular files made with mknod are allowed. Pure: the bytes are written by the
 * sandbox preparation; the unit test decodes and runs them.
 */

/** struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }, little-endian. */
interface Instruction {
  code: number;
  jt: number | string;
  jf: number | string;
  k: number;
  label?: string;
}

const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const AND_K = 0x54;
const RET_K = 0x06;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_ERRNO = 0x00050000;
const EPERM = 1;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

/** Where seccomp_data keeps its fields: nr, arch, then six 64-bit arguments from offset 16 (low word first). */
const NR = 0;
const ARCH = 4;
const argLow = (i: number) => 16 + 8 * i;

/** The architectures parx's sandbox runs on, and their mknod calls with the index of the mode argument. */
export const MKNOD_CALLS: ReadonlyArray<{ arch: number; name: string; calls: ReadonlyArray<{ nr: number; mode: number }> }> = [
  // x86_64, with the x32 numbers (bit 30 set) under the same arch value.
  {
    arch: 0xc000003e,
    name: 'x86_64',
    calls: [
      { nr: 133, mode: 1 },
      { nr: 259, mode: 2 },
      { nr: 0x40000000 + 133, mode: 1 },
      { nr: 0x40000000 + 259, mode: 2 },
    ],
  },
  {
    arch: 0x40000003,
    name: 'i386',
    calls: [
      { nr: 14, mode: 1 },
      { nr: 297, mode: 2 },
    ],
  },
  { arch: 0xc00000b7, name: 'aarch64', calls: [{ nr: 33, mode: 2 }] },
  {
    arch: 0x40000028,
    name: 'arm',
    calls: [
      { nr: 14, mode: 1 },
      { nr: 324, mode: 2 },
    ],
  },
];

/** The filter's program, as the bytes bwrap reads. */
export function getMknodFilter(): Buffer {
  const program: Instruction[] = [{ code: LD_W_ABS, jt: 0, jf: 0, k: ARCH }];
  for (const { arch, name } of MKNOD_CALLS) program.push({ code: JEQ_K, jt: `arch-${name}`, jf: 0, k: arch });
  program.push({ code: RET_K, jt: 0, jf: 0, k: SECCOMP_RET_ALLOW });
  for (const { name, calls } of MKNOD_CALLS) {
    program.push({ code: LD_W_ABS, jt: 0, jf: 0, k: NR, label: `arch-${name}` });
    for (const [i, call] of calls.entries()) program.push({ code: JEQ_K, jt: `${name}-${i}`, jf: 0, k: call.nr });
    program.push({ code: RET_K, jt: 0, jf: 0, k: SECCOMP_RET_ALLOW });
    for (const [i, call] of calls.entries()) {
      program.push(
        { code: LD_W_ABS, jt: 0, jf: 0, k: argLow(call.mode), label: `${name}-${i}` },
        { code: AND_K, jt: 0, jf: 0, k: S_IFMT },
        // A regular file (or mode 0, which mknod takes as one) is fine; anything else is refused.
        { code: JEQ_K, jt: 'allow', jf: 0, k: S_IFREG },
        { code: JEQ_K, jt: 'allow', jf: 'refuse', k: 0 },
      );
    }
  }
  program.push(
    { code: RET_K, jt: 0, jf: 0, k: SECCOMP_RET_ALLOW, label: 'allow' },
    { code: RET_K, jt: 0, jf: 0, k: SECCOMP_RET_ERRNO | EPERM, label: 'refuse' },
  );

  const at = new Map(program.flatMap((ins, i) => (ins.label ? [[ins.label, i] as const] : [])));
  const offset = (target: number | string, from: number) => {
    if (typeof target === 'number') return target;
    const distance = at.get(target)! - from - 1;
    if (distance < 0 || distance > 255) throw new Error(`seccomp jump to ${target} out of range`);
    return distance;
  };
  const bytes = Buffer.alloc(program.length * 8);
  program.forEach((ins, i) => {
    bytes.writeUInt16LE(ins.code, i * 8);
    bytes.writeUInt8(offset(ins.jt, i), i * 8 + 2);
    bytes.writeUInt8(offset(ins.jf, i), i * 8 + 3);
    bytes.writeUInt32LE(ins.k >>> 0, i * 8 + 4);
  });
  return bytes;
}

/**
 * Runs the filter on one system call, as the kernel would (a tiny interpreter of the
 * instructions above): for the unit test's table, and as the filter's own specification.
 */
export function runFilter(program: Buffer, call: { arch: number; nr: number; args: readonly number[] }): number {
  const data = Buffer.alloc(64);
  data.writeUInt32LE(call.nr >>> 0, NR);
  data.writeUInt32LE(call.arch >>> 0, ARCH);
  call.args.forEach((a, i) => data.writeUInt32LE(a >>> 0, argLow(i)));
  let acc = 0;
  for (let pc = 0; pc * 8 < program.length; pc++) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    if (code === LD_W_ABS) acc = data.readUInt32LE(k);
    else if (code === AND_K) acc = (acc & k) >>> 0;
    else if (code === JEQ_K) pc += acc === k ? jt : jf;
    else if (code === RET_K) return k;
    else throw new Error(`unknown instruction ${code}`);
  }
  throw new Error('the filter fell off its end');
}
