export {
  type CreateKey,
  createKeySchema,
  type ManagedKeyRecord,
  publicKey,
  type UpdateKey,
  updateKeySchema,
} from './key-fields.js';
export { type KeyRecords, memoryKeyRecords, redisKeyRecords } from './key-records.js';
export { createKeyStore, type KeyStoreOptions, type ManagedKeyStore } from './key-store.js';
