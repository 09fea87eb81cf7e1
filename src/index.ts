/**
 * npm entry: `import mixpanel from 'outlast'` gives the default instance, with
 * mixpanel-browser's API. Calls made before `init()` are queued. Under Node
 * (SSR) importing touches no browser global and every method is a no-op.
 */
import { createLibrary } from './client/library';
import { createPipeline } from './delivery/pipeline';

const mixpanel = createLibrary({ createPipeline });
export default mixpanel;

export type { Config } from './config';
export type { DeliveryState } from './delivery/types';
export type { ErrorReport } from './utils/report';
export type {
  Callback,
  ConsentOptions,
  ElementProperties,
  ElementQuery,
  FlagVariant,
  Flags,
  Group,
  Hooks,
  Mixpanel,
  MixpanelLib,
  OptInOptions,
  OptOutOptions,
  People,
  Properties,
  PushItem,
  RegisterOptions,
  TrackOptions,
  TrackPageviewOption,
  UserConfig,
} from './client/types';
