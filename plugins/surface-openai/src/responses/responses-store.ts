import { GatewayError, type Principal, principalKey, type SharedStore } from '@llm-gateway/spec';
import type { WireInputItem, WireResponse } from './responses-wire.js';

/** One stored response: what GET answers, and the conversation a `previous_response_id` continues. */
export interface StoredResponse {
  /** `principalKey()` of the creator: the only principal that may read or delete it. */
  owner: string;
  response: WireResponse;
  /** This response's own input items (each with an id), as `GET .../input_items` lists them. */
  inputItems: WireInputItem[];
  /** The conversation before this response's input: earlier inputs and outputs of its chain. */
  history: WireInputItem[];
  /** Tool names that were `custom` on the wire, so a background answer maps its calls back. */
  customNames?: string[];
  /** The queue task of a background response. */
  taskId?: string;
}

export interface ResponsesStoreOptions {
  ttlMs: number;
  /** The largest record kept (JSON text); a longer conversation must be sent with `store: false`. */
  maxRecordBytes: number;
  keyPrefix?: string;
}

function unavailable(error: unknown): GatewayError {
  return new GatewayError('unavailable', 'The response store is unavailable; try again shortly.', {
    code: 'store_unavailable',
    cause: error,
  });
}

/** Stored responses over a SharedStore, each readable only by the principal that created it. */
export class ResponsesStore {
  readonly #store: SharedStore;
  readonly #options: ResponsesStoreOptions;

  constructor(store: SharedStore, options: ResponsesStoreOptions) {
    this.#store = store;
    this.#options = options;
  }

  get maxRecordBytes(): number {
    return this.#options.maxRecordBytes;
  }

  #key(id: string): string {
    return `${this.#options.keyPrefix ?? 'llm-gateway:responses:'}${id}`;
  }

  /** Keeps the record for the TTL; false when it is larger than `maxRecordBytes` (then nothing is kept). */
  async save(record: StoredResponse): Promise<boolean> {
    const text = JSON.stringify(record);
    if (text.length > this.#options.maxRecordBytes) return false;
    try {
      await this.#store.set(this.#key(record.response.id), text, this.#options.ttlMs);
    } catch (error) {
      throw unavailable(error);
    }
    return true;
  }

  /** The record when it exists and `principal` created it; another principal's is as absent as a missing one. */
  async load(id: string, principal: Principal): Promise<StoredResponse | undefined> {
    let text: string | undefined;
    try {
      text = await this.#store.get(this.#key(id));
    } catch (error) {
      throw unavailable(error);
    }
    if (text === undefined) return undefined;
    const record = JSON.parse(text) as StoredResponse;
    return record.owner === principalKey(principal) ? record : undefined;
  }

  async remove(id: string, principal: Principal): Promise<boolean> {
    if (!(await this.load(id, principal))) return false;
    try {
      return await this.#store.delete(this.#key(id));
    } catch (error) {
      throw unavailable(error);
    }
  }
}

export function responseNotFound(id: string): GatewayError {
  return new GatewayError('not_found', `Response with id '${id}' not found.`, {
    code: 'response_not_found',
    param: 'response_id',
  });
}
