/**
 * npm entry: `import mixpanel from 'outlast'` gives the default instance, with
 * mixpanel-browser's API. Calls made before `init()` are queued. Under Node
 * (SSR) importing touches no browser global and every method is a no-op.
 */
import { createLibrary } from './client/library';

const mixpanel = createLibrary();
export default mixpanel;

export type { Config } from './config';
export type { DeliveryState } from './delivery/types';
export type { ErrorReport } from './utils/report';
export type { Callback, Mixpanel, MixpanelLib, People, Properties, UserConfig } from './client/types';
