/**
 * Entry of the H5 page's bundle (esbuild → h5/dist/main.js, served at /assets/main.js):
 * wires the real browser objects into the controller. The script is `defer`red, so the
 * DOM of index.html is complete when this runs.
 */
import { createApiClient } from './api-client';
import { startApp } from './app';
import { createUuidV4 } from './random-id';
import { createSessionStore } from './session';

void startApp({
  window,
  api: createApiClient({ fetch: (input, init) => window.fetch(input, init) }),
  // Read sessionStorage on each use: merely touching it throws where storage is disabled,
  // and the store turns those throws into "nothing stored".
  store: createSessionStore({
    storage: {
      getItem: (key) => window.sessionStorage.getItem(key),
      setItem: (key, value) => window.sessionStorage.setItem(key, value),
      removeItem: (key) => window.sessionStorage.removeItem(key),
    },
    now: () => Date.now(),
  }),
  now: () => new Date(),
  createUuid: () => createUuidV4(window.crypto),
});
