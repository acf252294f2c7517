/**
 * The cell host runs the cells of one process: it starts them in dependency order (core's
 * `orderCells`), hands each a bus view that enforces its declaration ({@link CellBusView}), reports
 * health per cell, and stops them in reverse order, each after its subscriptions drained, on
 * SIGTERM/SIGINT or on `stop()`. A failing start stops the cells already started (in reverse) and
 * rejects, so a process never runs half a composition.
 */
import { CellularError, orderCells, silentLogger, toCellularError } from '@cellular/core';
import type { Cell, CellContext, Composition, Logger } from '@cellular/core';
import { createBus, type Bus } from './bus.js';
import { CellBusView } from './cell-view.js';

/** Where signals come from (defaults to `process`). */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/** Options for {@link createCellHost}. Give `cells` or `composition`. */
export interface CellHostOptions {
  /** The bus the cells share. Defaults to a new `createBus()`, which the host closes when it stops. */
  readonly bus?: Bus;
  /** The cells to run (any order: dependencies decide). */
  readonly cells?: readonly Cell[];
  /** A composition whose cells to run (instead of `cells`). */
  readonly composition?: Composition;
  /** Logger; each cell gets one that adds `{ cell }`. Defaults to a silent logger. */
  readonly logger?: Logger;
  /**
   * Signals that stop the host, or `false` for none. Defaults to `['SIGTERM', 'SIGINT']`. Handlers are
   * installed by `start()` and removed by `stop()`. A second signal while stopping calls `exit(130)`.
   */
  readonly signals?: readonly NodeJS.Signals[] | false;
  /** Signal source. Defaults to `process`. */
  readonly signalSource?: SignalSource;
  /**
   * Called after a signal-triggered stop with 0 (clean) or 1 (a cell failed to stop). Defaults to
   * setting `process.exitCode`, so the process exits once nothing else holds it open.
   */
  readonly exit?: (code: number) => void;
  /** Longest a cell's `stop()` may take before the host moves on. Defaults to 10,000 ms. */
  readonly stopTimeoutMs?: number;
  /** Close the bus after stopping. Defaults to true when the host created the bus, false otherwise. */
  readonly closeBus?: boolean;
}

/** Life of one cell in the host. */
export type CellStatus = 'pending' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** Health of one cell. */
export interface CellHealth {
  readonly name: string;
  readonly status: CellStatus;
  /** Live subscriptions the cell holds. */
  readonly subscriptions: number;
  /** Why the cell failed, when it did. */
  readonly error: CellularError | undefined;
  /** When the cell finished starting (ms since the epoch). */
  readonly startedAt: number | undefined;
}

/** Health of the host: `healthy` is true when every cell is running. */
export interface HostHealth {
  readonly status: 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';
  readonly healthy: boolean;
  /** Cells in start order. */
  readonly cells: readonly CellHealth[];
}

/** Runs cells. */
export interface CellHost {
  readonly bus: Bus;
  /** Start every cell in dependency order. Rejects (after stopping the started ones) if one fails. */
  start(): Promise<void>;
  /** Stop every started cell in reverse order, each after draining its subscriptions. Idempotent. */
  stop(): Promise<void>;
  /** Health per cell. */
  health(): HostHealth;
  /** Resolves once the host has stopped (after `stop()` or a signal). */
  readonly stopped: Promise<void>;
}

interface Slot {
  readonly cell: Cell;
  readonly view: CellBusView;
  readonly controller: AbortController;
  readonly context: CellContext;
  status: CellStatus;
  error: CellularError | undefined;
  startedAt: number | undefined;
}

function cellLogger(logger: Logger, cell: string): Logger {
  return {
    debug: (m, d) => {
      logger.debug(m, { cell, ...d });
    },
    info: (m, d) => {
      logger.info(m, { cell, ...d });
    },
    warn: (m, d) => {
      logger.warn(m, { cell, ...d });
    },
    error: (m, d) => {
      logger.error(m, { cell, ...d });
    },
  };
}

function withTimeout(work: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new CellularError('TIMEOUT', `${what} took longer than ${String(ms)} ms`, { data: { timeoutMs: ms } }));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

class Host implements CellHost {
  readonly bus: Bus;
  readonly stopped: Promise<void>;
  private readonly slots: Slot[];
  private readonly logger: Logger;
  private readonly ownsBus: boolean;
  private readonly stopTimeoutMs: number;
  private state: HostHealth['status'] = 'idle';
  private stopPromise: Promise<void> | undefined;
  private resolveStopped!: () => void;
  private readonly signals: readonly NodeJS.Signals[];
  private readonly signalSource: SignalSource;
  private readonly exit: (code: number) => void;
  private stopFailed = false;

  constructor(options: CellHostOptions) {
    const cells = options.cells ?? options.composition?.cells;
    if (cells === undefined) {
      throw new CellularError('INVALID_CONFIG', 'createCellHost needs `cells` or `composition`', { data: {} });
    }
    if (options.cells !== undefined && options.composition !== undefined) {
      throw new CellularError('INVALID_CONFIG', 'createCellHost takes `cells` or `composition`, not both', { data: {} });
    }
    const seen = new Set<string>();
    for (const c of cells) {
      if (seen.has(c.name)) throw new CellularError('INVALID_CONFIG', `Two cells are named "${c.name}"`, { data: { cell: c.name } });
      seen.add(c.name);
    }
    this.ownsBus = options.bus === undefined;
    this.bus = options.bus ?? createBus(options.logger ? { logger: options.logger } : {});
    this.logger = options.logger ?? silentLogger;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    this.signals = options.signals === false ? [] : (options.signals ?? ['SIGTERM', 'SIGINT']);
    this.signalSource = options.signalSource ?? process;
    this.exit =
      options.exit ??
      ((code) => {
        process.exitCode = code;
      });
    const closeBus = options.closeBus ?? this.ownsBus;
    this.closeBus = closeBus;
    this.stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));
    this.slots = orderCells(cells).map((cell) => {
      const view = new CellBusView(this.bus, cell);
      const controller = new AbortController();
      const context: CellContext = { name: cell.name, bus: view, signal: controller.signal, logger: cellLogger(this.logger, cell.name) };
      return { cell, view, controller, context, status: 'pending', error: undefined, startedAt: undefined };
    });
  }

  private readonly closeBus: boolean;

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    if (this.stopPromise !== undefined) {
      this.logger.warn('second signal while stopping: exiting now', { signal });
      this.exit(130);
      return;
    }
    this.logger.info('signal received: stopping cells', { signal });
    void this.stop().then(() => {
      this.exit(this.stopFailed ? 1 : 0);
    });
  };

  health(): HostHealth {
    return {
      status: this.state,
      healthy: this.state === 'running' && this.slots.every((s) => s.status === 'running'),
      cells: this.slots.map((s) => ({
        name: s.cell.name,
        status: s.status,
        subscriptions: s.view.subscriptionCount,
        error: s.error,
        startedAt: s.startedAt,
      })),
    };
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') {
      throw new CellularError('INVALID_CONFIG', `The cell host was already started (status ${this.state})`, { data: { status: this.state } });
    }
    this.state = 'starting';
    for (const sig of this.signals) this.signalSource.on(sig, this.onSignal);
    await this.bus.connect();
    for (const slot of this.slots) {
      slot.status = 'starting';
      this.logger.info('starting cell', { cell: slot.cell.name });
      try {
        await slot.cell.start?.(slot.context);
        slot.status = 'running';
        slot.startedAt = Date.now();
        this.logger.info('cell started', { cell: slot.cell.name });
      } catch (e) {
        const cause = toCellularError(e, 'INTERNAL');
        slot.status = 'failed';
        slot.error = cause;
        this.logger.error('cell failed to start', { cell: slot.cell.name, code: cause.code, error: cause.message });
        await slot.view.drain();
        slot.controller.abort(cause);
        await this.stop();
        this.state = 'failed';
        throw new CellularError(cause.code, `Cell "${slot.cell.name}" failed to start: ${cause.message}`, {
          data: { cell: slot.cell.name },
          cause,
        });
      }
    }
    this.state = 'running';
  }

  stop(): Promise<void> {
    return (this.stopPromise ??= this.runStop());
  }

  private async runStop(): Promise<void> {
    const previous = this.state;
    this.state = 'stopping';
    for (const slot of [...this.slots].reverse()) {
      if (slot.status !== 'running' && slot.status !== 'starting') continue;
      slot.status = 'stopping';
      this.logger.info('stopping cell', { cell: slot.cell.name });
      try {
        await withTimeout(slot.view.drain(), this.stopTimeoutMs, `Draining cell "${slot.cell.name}"`);
        slot.controller.abort(new CellularError('CANCELLED', 'The cell host is stopping', { data: { cell: slot.cell.name } }));
        if (slot.cell.stop) {
          await withTimeout(Promise.resolve(slot.cell.stop(slot.context)), this.stopTimeoutMs, `Stopping cell "${slot.cell.name}"`);
        }
        slot.status = 'stopped';
        this.logger.info('cell stopped', { cell: slot.cell.name });
      } catch (e) {
        const err = toCellularError(e, 'INTERNAL');
        slot.status = 'failed';
        slot.error = err;
        this.stopFailed = true;
        this.logger.error('cell failed to stop', { cell: slot.cell.name, code: err.code, error: err.message });
      }
    }
    for (const sig of this.signals) this.signalSource.off(sig, this.onSignal);
    if (this.closeBus) {
      try {
        await withTimeout(this.bus.drain(), this.stopTimeoutMs, 'Draining the bus');
      } catch (e) {
        this.logger.error('bus drain failed; closing', { error: String(e) });
        await this.bus.close();
      }
    }
    this.state = previous === 'starting' ? 'failed' : 'stopped';
    this.resolveStopped();
  }
}

/**
 * Create a cell host.
 *
 * @example
 * ```ts
 * const host = createCellHost({ composition });
 * await host.start(); // SIGTERM/SIGINT now stop it in reverse order
 * console.log(host.health());
 * ```
 */
export function createCellHost(options: CellHostOptions): CellHost {
  return new Host(options);
}
