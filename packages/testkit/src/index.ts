export {
  type AnthropicFixtureName,
  anthropicFixture,
  type SseEvent,
  sseEvents,
} from './anthropic-fixtures.js';
export {
  type AnthropicErrorBody,
  type AnthropicSimulatorOptions,
  anthropicError,
  anthropicErrorForStatus,
  defaultAnthropicModels,
  startAnthropicSimulator,
} from './anthropic-simulator.js';
export {
  type AuthConformanceOptions,
  type AuthCredentials,
  authConformance,
  type InvalidAuthCase,
} from './auth-conformance.js';
export {
  type BackendCapabilities,
  type BackendConformanceOptions,
  backendConformance,
  type ConformanceCheckName,
  type ConformanceEnv,
  conformanceChecks,
  conformancePrompt,
  conformanceRequest,
  lackingCapability,
  type SimulatorStarter,
} from './backend-conformance.js';
export {
  type ConformanceFeature,
  conformanceTools,
  type FeatureCheckName,
  featureChecks,
} from './backend-conformance-features.js';
export { type CollectedChat, collect, collectChat } from './collect.js';
export { type EmbeddingsConformanceOptions, embeddingsConformance } from './embeddings-conformance.js';
export {
  answerOllamaEmbed,
  answerOpenAIEmbeddings,
  defaultEmbeddingDimensions,
  maxEmbeddingDimensions,
  simulatedEmbedding,
} from './embeddings-simulation.js';
export { type Fault, FaultQueue } from './fault.js';
export { freePort } from './free-port.js';
export { gatewayRejection } from './gateway-rejection.js';
export { type MongoInstance, type MongoOptions, startMongo, withDatabase } from './mongo.js';
export {
  defaultOllamaModels,
  normalizeOllamaModel,
  ollamaError,
  ollamaVersion,
  startOllamaSimulator,
} from './ollama-simulator.js';
export {
  defaultOpenAIModels,
  type OpenAIErrorBody,
  openAIError,
  openAIErrorForStatus,
  startOpenAISimulator,
} from './openai-simulator.js';
export { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './otlp-receiver.js';
export {
  finished,
  notTaskIds,
  type QueueConformanceOptions,
  type QueueTestSettings,
  queueConformance,
  queueTestInput,
  scriptedHandler,
  waitUntil,
} from './queue-conformance.js';
export { type RawHttpExchange, rawHttpExchange } from './raw-http.js';
export { type RecordingHost, recordingHost } from './recording-host.js';
export { type RedisInstance, type RedisOptions, startRedis } from './redis.js';
export {
  contentText,
  countTokens,
  defaultReply,
  lastUserText,
  type PlanOptions,
  planReply,
  promptTokensOf,
  type SimFinishReason,
  type SimulatedReply,
  splitWords,
  stopList,
} from './reply.js';
export { featureReply, imageCount, plannedToolCall, sampleFromSchema } from './sim-chat-features.js';
export {
  type Exchange,
  type RecordedRequest,
  type SimRequestBody,
  type Simulator,
  type SimulatorDefinition,
  type SimulatorKind,
  type SimulatorOptions,
  startSimulator,
  statusMessage,
} from './simulator.js';
export {
  type SinkCapabilities,
  type SinkConformanceOptions,
  sampleRecords,
  sinkConformance,
} from './sink-conformance.js';
export {
  type ScriptedPipeline,
  type SurfaceCapabilities,
  type SurfaceConformanceOptions,
  type SurfaceRequest,
  scriptedPipeline,
  surfaceConformance,
} from './surface-conformance.js';
export {
  buildSurfaceApp,
  createTestSurfaceHost,
  mountSurface,
  postJson,
  type SurfaceApp,
  type TestSurfaceHost,
  type TestSurfaceHostOptions,
} from './surface-host.js';
export { mongoPing, redisPing } from './tcp-probe.js';
export { useRedis } from './use-redis.js';
