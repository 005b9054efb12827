// The kubectl slice on the default (embedded WAL) store; the suite itself is in slice-suite.ts.
import { sliceSuite } from './slice-suite';

sliceSuite();
