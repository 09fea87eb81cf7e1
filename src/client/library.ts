/**
 * The library object: the default instance (usable before `init`, which
 * queues) that also creates and holds named instances, as mixpanel-browser's
 * `mixpanel` object does. Delivery is handed in by the entry points
 * (`src/index.ts`, `src/cdn.ts`), so that the client reaches the delivery
 * code only through its types and tests can hand in a fake.
 */
import { createInstance, type Instance, type PipelineFactory } from './instance';
import type { Mixpanel, MixpanelLib } from './types';
import { describe } from './validate-config';
import { refuse as refuseCall } from './call-reports';
import { own } from './values';

export interface LibraryDeps {
  /** Builds the delivery pipeline of an instance. */
  createPipeline: PipelineFactory;
}

/** mixpanel-browser's name for the default instance. */
const DEFAULT_NAME = 'mixpanel';

/**
 * A new library. Nothing here touches a browser global until `init` runs in
 * a browser, so creating one at module load is safe under Node (SSR).
 */
export function createLibrary(deps: LibraryDeps): MixpanelLib {
  const factory = deps.createPipeline;
  const named: Record<string, Instance> = {};
  const refuse = (why: string, inst = main): undefined => void refuseCall(inst, 'init', why);

  function init(token: string, config?: unknown, name?: string): Mixpanel | undefined {
    try {
      const isDefault = name == null || name === '' || name === DEFAULT_NAME;
      if (!isDefault && (typeof name !== 'string' || (own(lib, name) !== undefined && !own(named, name))))
        return refuse(describe(name) + ' cannot name an instance (a library property has it)');
      const inst: Instance = isDefault
        ? main
        : own(named, name!) || createInstance(factory, init as Mixpanel['init'], DEFAULT_NAME + '.' + name);
      if (inst.started()) {
        refuse(`instance "${name || DEFAULT_NAME}" is already initialised; call ignored`, inst);
        return inst.api;
      }
      if (!inst.start(token, config)) return;
      if (!isDefault) lib[name!] = (named[name!] = inst).api;
      return inst.api;
    } catch (e) {
      return refuse('failed: ' + e);
    }
  }

  const main = createInstance(factory, init as Mixpanel['init'], DEFAULT_NAME);
  const lib = main.api as MixpanelLib;
  return lib;
}
