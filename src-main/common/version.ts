// Skiff's own version (package.json's), for headers and files Skiff writes; pure TS, imports only package.json.
import { version } from '../../package.json';

/** The Skiff release this build is, e.g. `0.1.0`. */
export const SKIFF_VERSION: string = version;
