/**
 * Record/replay: recordings are JSON files named by the hash of the request, so CI replays a
 * regeneration deterministically with no network. Replay never falls through to a live call: a
 * missing recording is a NOT_FOUND error that names the hash and the directory.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CellularError } from '@cellular/core';
import { requestHash } from './provider.js';
import type { CompletionRequest, CompletionResult, Provider } from './provider.js';

/** One stored exchange. */
export interface Recording {
  readonly hash: string;
  readonly request: CompletionRequest;
  readonly response: CompletionResult;
}

/** Path of the recording of `request` in `dir`. */
export function recordingPath(dir: string, request: CompletionRequest): string {
  return join(dir, `${requestHash(request)}.json`);
}

/** A provider that only answers from recordings in `dir`. */
export function createReplayProvider(dir: string): Provider {
  return {
    name: 'replay',
    complete(req: CompletionRequest): Promise<CompletionResult> {
      const file = recordingPath(dir, req);
      if (!existsSync(file)) {
        return Promise.reject(
          new CellularError('NOT_FOUND', `No recording for request ${requestHash(req)} in ${dir}: record it with --record (replay never calls a live model)`, {
            data: { hash: requestHash(req), dir, model: req.model },
          }),
        );
      }
      const rec = JSON.parse(readFileSync(file, 'utf8')) as Recording;
      return Promise.resolve(rec.response);
    },
  };
}

/** Wrap `inner` so that every exchange is saved to `dir`. */
export function createRecordingProvider(inner: Provider, dir: string): Provider {
  return {
    name: `record(${inner.name})`,
    async complete(req: CompletionRequest, signal?: AbortSignal): Promise<CompletionResult> {
      const response = await inner.complete(req, signal);
      mkdirSync(dir, { recursive: true });
      const rec: Recording = { hash: requestHash(req), request: req, response };
      writeFileSync(recordingPath(dir, req), `${JSON.stringify(rec, null, 2)}\n`);
      return response;
    },
  };
}
