/**
 * The one list of the methods a page may call before the library has
 * loaded, which every instance implements: the instance's method table is
 * typed by `InstanceStubMethod` and `PeopleStubMethod`, so a method missing
 * there does not compile. The paste-in snippet's stub records any method
 * name, so none can be missing from it; test/unit/snippet/stub-methods.test.ts
 * proves that each name of this list, and of mixpanel-browser's snippet,
 * recorded by the stub reaches the instance's own method at replay.
 *
 * The set is mixpanel-browser 2.83's snippet list (its `init` stub in
 * `src/loaders/mixpanel-jslib-snippet.js`) plus `add_hook` / `remove_hook`,
 * without the getters, which need the library to answer, and without the
 * deprecated methods (`name_tag`, `people.clear_charges`,
 * `people.track_charge`, the session-recording ones), which the instance
 * has too without this list requiring them.
 */
export const STUB_METHOD_LIST =
  'track track_pageview track_links track_forms track_with_groups time_event register register_once unregister identify alias reset set_config set_group add_group remove_group disable opt_out_tracking opt_in_tracking clear_opt_in_out_tracking start_batch_senders add_hook remove_hook people.set people.set_once people.unset people.increment people.append people.union people.remove people.delete_user' as const;

export type StubMethodList = typeof STUB_METHOD_LIST;

/** The words of a space-separated list, as a union (tail-recursive, so the list may grow long). */
type Words<S extends string, Found extends string = never> = S extends `${infer Head} ${infer Tail}`
  ? Words<Tail, Found | Head>
  : Found | S;

/** Every name in the stub list, `people.*` included. */
export type StubMethod = Words<StubMethodList>;

/** The stub's methods that live on the instance itself. */
export type InstanceStubMethod = Exclude<StubMethod, `people.${string}`>;

/** The stub's methods that live on `instance.people`, without the `people.` prefix. */
export type PeopleStubMethod = PeopleName<StubMethod>;

/** Distributes over the union: `people.set | track` gives `set`. */
type PeopleName<Method> = Method extends `people.${infer Name}` ? Name : never;
