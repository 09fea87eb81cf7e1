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
  const refuse = (why: string, inst = main): undefined =>
    void inst.report({ code: 'invalid_call', message: 'init: ' + why, detail: { method: 'init' } });

  const init = (token: string, config?: unknown, name?: string): Mixpanel | undefined => {
    try {
      // mixpanel-browser's name for the default instance is 'mixpanel'
      const isDefault = name == null || name === '' || name === 'mixpanel';
      if (!isDefault && (typeof name !== 'string' || (own(lib, name) !== undefined && !own(named, name))))
        return refuse(describe(name) + ' cannot name an instance (the library already has that property)');
      const inst: Instance = isDefault ? main : own(named, name!) || createInstance(factory, init);
      if (inst.started()) return (refuse(`instance "${name || 'mixpanel'}" is already initialised; call ignored`, inst), inst.api);
      if (!inst.start(token, config)) return;
      if (!isDefault) lib[name!] = (named[name!] = inst).api;
      return inst.api;
    } catch (e) {
      return refuse('failed: ' + e);
    }
  };

  const main = createInstance(factory, init as Mixpanel['init']);
  const lib = main.api as MixpanelLib;
  return lib;
}
