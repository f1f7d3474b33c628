/** Request features a backend may lack, and the 400 naming the parameter when a request uses one. */
import { type ChatRequest, GatewayError } from '@llm-gateway/spec';

export type ChatFeature =
  | 'n'
  | 'logprobs'
  | 'logitBias'
  | 'imageParts'
  | 'imageUrls'
  | 'audioParts'
  | 'tools'
  | 'toolChoiceRequired'
  | 'parallelToolCalls'
  | 'jsonObject'
  | 'jsonSchema'
  | 'seed';

interface FeatureUse {
  /** The OpenAI request parameter at fault. */
  param: string;
  what: string;
}

function partUse(request: ChatRequest, test: (part: { type: string; url?: string }) => boolean) {
  for (const [m, message] of request.messages.entries()) {
    const index = message.parts?.findIndex(test) ?? -1;
    if (index >= 0) return `messages[${m}].content[${index}]`;
  }
  return undefined;
}

/** Where `request` uses `feature` (the parameter and a description), or undefined. */
function use(request: ChatRequest, feature: ChatFeature): FeatureUse | undefined {
  const format = request.responseFormat?.type;
  const choice = request.toolChoice;
  let param: string | undefined;
  switch (feature) {
    case 'n':
      return request.n !== undefined && request.n > 1 ? { param: 'n', what: 'n > 1' } : undefined;
    case 'logprobs':
      if (request.logprobs) return { param: 'logprobs', what: 'logprobs' };
      return request.topLogprobs ? { param: 'top_logprobs', what: 'top_logprobs' } : undefined;
    case 'logitBias':
      return request.logitBias && Object.keys(request.logitBias).length > 0
        ? { param: 'logit_bias', what: 'logit_bias' }
        : undefined;
    case 'imageParts':
      param = partUse(request, (p) => p.type === 'image');
      return param ? { param, what: 'image content parts' } : undefined;
    case 'imageUrls':
      param = partUse(request, (p) => p.type === 'image' && !p.url?.startsWith('data:'));
      return param ? { param, what: 'image URLs other than base64 data: URLs' } : undefined;
    case 'audioParts':
      param = partUse(request, (p) => p.type === 'audio');
      return param ? { param, what: 'input_audio content parts' } : undefined;
    case 'tools':
      return request.tools && request.tools.length > 0 ? { param: 'tools', what: 'tools' } : undefined;
    case 'toolChoiceRequired':
      return choice !== undefined && choice !== 'auto' && choice !== 'none'
        ? { param: 'tool_choice', what: 'tool_choice other than auto or none' }
        : undefined;
    case 'parallelToolCalls':
      return request.parallelToolCalls === false
        ? { param: 'parallel_tool_calls', what: 'parallel_tool_calls: false' }
        : undefined;
    case 'jsonObject':
      return format === 'json_object' ? { param: 'response_format', what: 'json_object' } : undefined;
    case 'jsonSchema':
      return format === 'json_schema' ? { param: 'response_format', what: 'json_schema' } : undefined;
    case 'seed':
      return request.seed !== undefined ? { param: 'seed', what: 'seed' } : undefined;
  }
}

/** Throws a 400 (`unsupported_parameter`, naming the parameter) when `request` uses a feature `backend` lacks. */
export function rejectUnsupported(
  backend: string,
  request: ChatRequest,
  unsupported: readonly ChatFeature[],
): void {
  for (const feature of unsupported) {
    const found = use(request, feature);
    if (found) {
      throw new GatewayError(
        'invalid_request',
        `Unsupported parameter: '${found.param}': the ${backend} backend does not support ${found.what}.`,
        { param: found.param, code: 'unsupported_parameter', backend },
      );
    }
  }
}
