import { CellularError, defineCell, defineComposition, defineContract } from '@cellular/core';
import type { CellBus } from '@cellular/core';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createBus } from './bus.js';
import { createCellHost, type SignalSource } from './cell-host.js';

const Placed = defineContract({ name: 'orders.placed', subject: 'orders.placed', version: 1, kind: 'event', schema: z.object({ id: z.string() }) });
const Shipped = defineContract({ name: 'orders.shipped', subject: 'orders.shipped', version: 1, kind: 'event', schema: z.object({ id: z.string() }) });
const GetStock = defineContract({
  name: 'stock.get',
  subject: 'stock.get',
  version: 1,
  kind: 'query',
  schema: z.object({ sku: z.string() }),
  response: z.object({ qty: z.number() }),
});

const silentSignals = (): SignalSource & EventEmitter => new EventEmitter() as SignalSource & EventEmitter;

describe('cell host', () => {
  it('starts cells in dependency order and stops them in reverse, draining first', async () => {
    const log: string[] = [];
    const mk = (name: string, dependsOn: string[] = []) =>
      defineCell({
        name,
        dependsOn,
        subscribes: [Placed],
        start: ({ bus }) => {
          log.push(`start ${name}`);
          bus.subscribe(Placed, async () => {
            await new Promise((r) => setTimeout(r, 5));
            log.push(`handled ${name}`);
          });
        },
        stop: () => {
          log.push(`stop ${name}`);
        },
      });
    const composition = defineComposition({ name: 'shop', cells: [mk('web', ['orders']), mk('orders', ['db']), mk('db')] });
    const bus = createBus({ telemetry: false });
    const host = createCellHost({ composition, bus, signals: false });
    await host.start();
    expect(log).toEqual(['start db', 'start orders', 'start web']);
    expect(host.health()).toMatchObject({ status: 'running', healthy: true });
    expect(host.health().cells.map((c) => [c.name, c.status, c.subscriptions])).toEqual([
      ['db', 'running', 1],
      ['orders', 'running', 1],
      ['web', 'running', 1],
    ]);
    await bus.publish(Placed, { id: '1' });
    await host.stop();
    // Each cell's in-flight handler finished before that cell's stop ran.
    expect(log.slice(3)).toEqual(['handled db', 'handled orders', 'handled web', 'stop web', 'stop orders', 'stop db']);
    expect(host.health().status).toBe('stopped');
    expect(host.health().cells.every((c) => c.status === 'stopped' && c.subscriptions === 0)).toBe(true);
    // The host did not create the bus, so it leaves it open.
    expect(bus.status).toBe('connected');
    await bus.close();
  });

  it('enforces each cell declaration at run time with FORBIDDEN', async () => {
    const attempts: Record<string, unknown> = {};
    const capture = async (label: string, fn: () => unknown): Promise<void> => {
      try {
        await fn();
        attempts[label] = 'ok';
      } catch (e) {
        attempts[label] = CellularError.is(e) ? e.code : String(e);
      }
    };
    let bus!: CellBus;
    const shop = defineCell({
      name: 'shop',
      publishes: [Placed],
      requests: [GetStock],
      subscribes: ['orders.*'],
      start: (ctx) => {
        bus = ctx.bus;
      },
    });
    const stock = defineCell({ name: 'stock', handles: [GetStock], start: ({ bus: b }) => void b.handle(GetStock, () => ({ qty: 3 })) });
    const host = createCellHost({ cells: [shop, stock], signals: false });
    await host.start();
    await capture('publish declared', () => bus.publish(Placed, { id: '1' }));
    await capture('publish undeclared', () => bus.publish(Shipped, { id: '1' }));
    await capture('request declared', () => bus.request(GetStock, { sku: 'a' }));
    await capture('handle undeclared', () => bus.handle(GetStock, () => ({ qty: 1 })));
    await capture('subscribe via pattern', () => bus.subscribe(Shipped, () => undefined));
    await capture('subscribe declared pattern', () => bus.subscribe('orders.*', () => undefined));
    await capture('subscribe undeclared pattern', () => bus.subscribe('orders.>', () => undefined));
    await capture('stream undeclared', () => bus.stream(Shipped, { id: '1' }));
    await capture('consume undeclared', () => bus.consume(Placed, () => undefined, { durable: 'x' }));
    expect(attempts).toEqual({
      'publish declared': 'ok',
      'publish undeclared': 'FORBIDDEN',
      'request declared': 'ok',
      'handle undeclared': 'FORBIDDEN',
      'subscribe via pattern': 'ok',
      'subscribe declared pattern': 'ok',
      'subscribe undeclared pattern': 'FORBIDDEN',
      'stream undeclared': 'FORBIDDEN',
      'consume undeclared': 'FORBIDDEN',
    });
    const err = (await bus.publish(Shipped, { id: '1' }).catch((e: unknown) => e)) as CellularError;
    expect(err.data).toMatchObject({ cell: 'shop', verb: 'publish', target: 'orders.shipped', declaration: 'publishes' });
    await host.stop();
  });

  it('stamps the source cell header on what a cell publishes', async () => {
    const bus = createBus({ telemetry: false });
    const seen: (string | undefined)[] = [];
    bus.subscribe(Placed, (_p, ctx) => void seen.push(ctx.headers['cellular-source-cell']));
    const host = createCellHost({
      bus,
      signals: false,
      cells: [defineCell({ name: 'shop', publishes: [Placed], start: ({ bus: b }) => b.publish(Placed, { id: '1' }) })],
    });
    await host.start();
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['shop']);
    await host.stop();
    await bus.close();
  });

  it('a failing start stops the cells already started, in reverse, and rejects naming the cell', async () => {
    const log: string[] = [];
    const ok = (name: string, dependsOn: string[] = []) =>
      defineCell({ name, dependsOn, start: () => void log.push(`start ${name}`), stop: () => void log.push(`stop ${name}`) });
    const broken = defineCell({
      name: 'broken',
      dependsOn: ['b'],
      start: () => {
        throw new CellularError('INVALID_CONFIG', 'no database url');
      },
      stop: () => void log.push('stop broken'),
    });
    const host = createCellHost({ cells: [ok('a'), ok('b', ['a']), broken, ok('c', ['broken'])], signals: false });
    const err = (await host.start().catch((e: unknown) => e)) as CellularError;
    expect(err).toMatchObject({ code: 'INVALID_CONFIG', data: { cell: 'broken' } });
    expect(err.message).toContain('Cell "broken" failed to start: no database url');
    expect(log).toEqual(['start a', 'start b', 'stop b', 'stop a']);
    const health = host.health();
    expect(health.status).toBe('failed');
    expect(health.healthy).toBe(false);
    expect(health.cells.map((c) => [c.name, c.status])).toEqual([
      ['a', 'stopped'],
      ['b', 'stopped'],
      ['broken', 'failed'],
      ['c', 'pending'],
    ]);
    expect(health.cells[2]?.error?.message).toBe('no database url');
    expect(host.bus.status).toBe('closed'); // the host created the bus, so it closed it
  });

  it('stops on a signal, aborts cell signals, and reports the exit code', async () => {
    const signals = silentSignals();
    const codes: number[] = [];
    let aborted = false;
    const host = createCellHost({
      cells: [defineCell({ name: 'a', start: ({ signal }) => {
            signal.addEventListener('abort', () => (aborted = true));
          }, })],
      signalSource: signals,
      exit: (c) => codes.push(c),
    });
    await host.start();
    expect(signals.listenerCount('SIGTERM')).toBe(1);
    expect(signals.listenerCount('SIGINT')).toBe(1);
    signals.emit('SIGTERM', 'SIGTERM');
    await host.stopped;
    await new Promise((r) => setImmediate(r));
    expect(aborted).toBe(true);
    expect(codes).toEqual([0]);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('a cell whose stop hangs is timed out and reported as failed; the others still stop', async () => {
    const log: string[] = [];
    const host = createCellHost({
      signals: false,
      stopTimeoutMs: 20,
      cells: [
        defineCell({ name: 'a', stop: () => void log.push('stop a') }),
        defineCell({ name: 'hangs', dependsOn: ['a'], stop: () => new Promise(() => undefined) }),
      ],
    });
    await host.start();
    await host.stop();
    expect(log).toEqual(['stop a']);
    expect(host.health().cells.map((c) => [c.name, c.status, c.error?.code])).toEqual([
      ['a', 'stopped', undefined],
      ['hangs', 'failed', 'TIMEOUT'],
    ]);
  });

  it('refuses bad options', () => {
    expect(() => createCellHost({})).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    const a = defineCell({ name: 'a' });
    expect(() => createCellHost({ cells: [a, a] })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });
});
