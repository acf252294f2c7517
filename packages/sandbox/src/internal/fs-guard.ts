/**
 * Host-side file access for a periphery. The permission model alone is not enough: Node documents that
 * it follows symlinks out of a granted folder, so data folders are never granted to the sandbox's
 * permission model at all; every read and write comes here instead. A path is checked lexically first
 * (after resolving `..`), so nothing outside the grant is even touched, then again after `realpath`
 * (symlinks), and files are opened with O_NOFOLLOW and size-capped on the open descriptor.
 */
import { constants } from 'node:fs';
import { lstat, open, readdir, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, resolve, sep, basename } from 'node:path';
import { CellularError } from '@cellular/core';
import type { ResolvedFsGrant } from '../capabilities.js';
import { violation } from './violation.js';

/** The file operations a periphery can ask for. */
export interface FsGuard {
  readFile(path: string, encoding?: 'utf8'): Promise<string | Uint8Array>;
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  readdir(path: string): Promise<string[]>;
}

function inside(roots: readonly string[], path: string): boolean {
  return roots.some((root) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep));
}

async function realRoots(roots: readonly string[]): Promise<string[]> {
  return Promise.all(roots.map(async (r) => realpath(r).catch(() => r)));
}

/** Build the guard for a grant; relative paths from the sandbox resolve against `cwd`. */
export function createFsGuard(grant: ResolvedFsGrant, cwd: string): FsGuard {
  const readRoots = [...grant.read, ...grant.write];
  const writeRoots = grant.write;
  let realRead: Promise<string[]> | undefined;
  let realWrite: Promise<string[]> | undefined;

  function lexical(path: unknown, roots: readonly string[], op: string): string {
    if (typeof path !== 'string' || path.length === 0) throw new CellularError('VALIDATION', `${op}: path must be a non-empty string`);
    if (roots.length === 0) throw violation('fs-not-granted', `${op}: no file grant for this periphery`, { op });
    const abs = isAbsolute(path) ? resolve(path) : resolve(cwd, path);
    if (!inside(roots, abs)) throw violation('fs-outside-grant', `${op}: ${path} is outside the granted paths`, { op, path: abs });
    return abs;
  }

  async function real(abs: string, roots: () => Promise<string[]>, op: string): Promise<string> {
    let target: string;
    try {
      target = await realpath(abs);
    } catch (e) {
      throw new CellularError('NOT_FOUND', `${op}: ${abs} does not exist`, { cause: e, data: { op, path: abs } });
    }
    if (!inside(await roots(), target)) {
      throw violation('fs-symlink', `${op}: ${abs} resolves outside the granted paths`, { op, path: abs });
    }
    return target;
  }

  const reads = (): Promise<string[]> => (realRead ??= realRoots(readRoots));
  const writes = (): Promise<string[]> => (realWrite ??= realRoots(writeRoots));

  return {
    async readFile(path, encoding) {
      const target = await real(lexical(path, readRoots, 'readFile'), reads, 'readFile');
      const handle = await open(target, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        const { size } = await handle.stat();
        if (size > grant.maxFileBytes) {
          throw violation('fs-too-large', `readFile: ${size} bytes exceeds ${grant.maxFileBytes}`, { limit: grant.maxFileBytes });
        }
        const buf = Buffer.alloc(size);
        const { bytesRead } = await handle.read(buf, 0, size, 0);
        const data = buf.subarray(0, bytesRead);
        return encoding === 'utf8' ? data.toString('utf8') : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      } finally {
        await handle.close();
      }
    },
    async writeFile(path, data) {
      const abs = lexical(path, writeRoots, 'writeFile');
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      if (!(bytes instanceof Uint8Array)) throw new CellularError('VALIDATION', 'writeFile: data must be a string or Uint8Array');
      if (bytes.byteLength > grant.maxFileBytes) {
        throw violation('fs-too-large', `writeFile: ${bytes.byteLength} bytes exceeds ${grant.maxFileBytes}`, { limit: grant.maxFileBytes });
      }
      const parent = await real(dirname(abs), writes, 'writeFile');
      const target = resolve(parent, basename(abs));
      const existing = await lstat(target).catch(() => undefined);
      if (existing?.isSymbolicLink() === true) throw violation('fs-symlink', `writeFile: ${abs} is a symlink`, { op: 'writeFile', path: abs });
      const handle = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
      try {
        await handle.writeFile(bytes);
      } finally {
        await handle.close();
      }
    },
    async readdir(path) {
      const target = await real(lexical(path, readRoots, 'readdir'), reads, 'readdir');
      return readdir(target);
    },
  };
}
