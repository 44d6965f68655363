/** @module Entry point of the browser client bundle (scripts/build-web.mjs bundles from here). */
import { startApp } from './view/app.js';

startApp();
