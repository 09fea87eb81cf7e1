/**
 * The library object: the default instance (usable before `init`, which
 * queues) that also creates and holds named instances, as mixpanel-browser's
 * `mixpanel` object does.
 */
import { createPipeline as realPipeline } from '../delivery/pipeline';
import { own } from './core';
import { createInstance, type Instance, type PipelineFactory } from './instance';
import type { Mixpanel, MixpanelLib } from './types';
import { describe } from './validate-config';

/** mixpanel-browser's name for the default instance: `init(token, config, 'mixpanel')` means the default. */
const DEFAULT_NAME = 'mixpanel';

export interface LibraryDeps {
  /** Builds the delivery pipeline of an instance; tests pass a fake. */
  createPipeline?: PipelineFactory;
}

/**
 * A new library. Nothing here touches a browser global until `init` runs in
 * a browser, so creating one at module load is safe under Node (SSR).
 */
export function createLibrary(deps: LibraryDeps = {}): MixpanelLib {
  const factory = deps.createPipeline || realPipeline;
  const named: Record<string, Instance> = {};

  const init = (token: string, config?: unknown, name?: string): Mixpanel | undefined => {
    try {
      const isDefault = name == null || name === '' || name === DEFAULT_NAME;
      if (!isDefault && (typeof name !== 'string' || (own(lib, name) !== undefined && !own(named, name))))
        return main.report({
          code: 'invalid_call',
          message: `init(): ${describe(name)} cannot name an instance (the library already has that property)`,
          detail: { method: 'init' },
        }), undefined;
      const inst = isDefault ? main : (own(named, name!) as Instance | undefined) || createInstance(factory, init);
      if (inst.started()) {
        inst.report({ code: 'invalid_call', message: `init(): instance "${name || DEFAULT_NAME}" is already initialised; call ignored`, detail: { method: 'init' } });
        return inst.api;
      }
      if (!inst.start(token, config)) return undefined;
      if (!isDefault) lib[name!] = (named[name!] = inst).api;
      return inst.api;
    } catch (e) {
      main.report({ code: 'invalid_call', message: `init() failed: ${describe(String(e))}`, detail: { method: 'init' } });
      return undefined;
    }
  };

  const main = createInstance(factory, init as Mixpanel['init']);
  const lib = main.api as MixpanelLib;
  return lib;
}
