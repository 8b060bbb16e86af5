// Worker-thread side of ModelThread (src/inference/model-thread.ts): builds one object with the
// spec's factory and answers calls of its methods from the parent thread.
import { parentPort, workerData } from 'node:worker_threads';
import { fromWire, type CallReply, type CallRequest, type ModelThreadSpec, type ReadyReply } from './model-thread.ts';

type Target = Record<string, unknown> & { close?: () => unknown };

const spec = workerData as ModelThreadSpec;
const port = parentPort!;
try {
  const mod = (await import(spec.module)) as Record<string, unknown>;
  const [name, method] = spec.factory.split('.') as [string, string | undefined];
  const owner = mod[name] as Record<string, unknown> | undefined;
  const factory = method ? owner?.[method] : owner;
  if (typeof factory !== 'function') throw new Error(`${spec.module} has no factory ${spec.factory}`);
  const target = (await (factory as (...a: unknown[]) => unknown).apply(method ? owner : undefined, spec.args)) as Target;
  port.on('message', (m: CallRequest | { kind: 'close' }) => {
    if (m.kind === 'close') {
      void Promise.resolve(target.close?.()).finally(() => port.close());
      return;
    }
    const fn = target[m.method];
    if (typeof fn !== 'function') {
      port.postMessage({ id: m.id, error: `${spec.name}: no method ${m.method}` } satisfies CallReply);
      return;
    }
    Promise.resolve()
      .then(() => (fn as (...a: unknown[]) => unknown).apply(target, fromWire(m.args)))
      .then(
        (result) => port.postMessage({ id: m.id, result } satisfies CallReply),
        (e: Error) => port.postMessage({ id: m.id, error: e?.message ?? String(e) } satisfies CallReply),
      );
  });
  port.postMessage({ ready: true, props: Object.fromEntries((spec.props ?? []).map((p) => [p, target[p]])) } satisfies ReadyReply);
} catch (e) {
  port.postMessage({ ready: false, error: (e as Error).message } satisfies ReadyReply);
}
