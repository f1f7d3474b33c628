export * from './backend.js';
export * from './call.js';
export * from './config.js';
export * from './embeddings.js';
export * from './errors.js';
export * from './fetch.js';
export {
  endsLine,
  openAIChatWire,
  type RelayEventReader,
  relayCompletion,
  relaySseReads,
  relayStream,
} from './relay.js';
export { readChunks } from './sse.js';
export * from './stream.js';
export * from './wire.js';
