/** @module Entry point of the browser client bundle (scripts/build-web.mjs bundles from here). */
import { App } from './view/app.js';

new App().start();
