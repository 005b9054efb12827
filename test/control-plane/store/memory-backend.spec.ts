import { MemoryBackend } from '../../../src-main/control-plane/store/wal-backend';
import { backendContract } from './backend-contract';

backendContract(
  'memory',
  async () => {
    const backend = new MemoryBackend({ compactionIntervalMs: 0 });
    await backend.start();
    return { backend };
  },
  { durable: false, importsSnapshots: true },
);
