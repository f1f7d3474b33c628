/** Real Anthropic wire samples (from Anthropic's API docs) kept in `src/__fixtures__`, and a reader for SSE transcripts. */
import { readFileSync } from 'node:fs';

export type AnthropicFixtureName =
  | 'anthropic-stream-text.txt'
  | 'anthropic-stream-tool-use.txt'
  | 'anthropic-stream-thinking.txt'
  | 'anthropic-stream-overloaded.txt'
  | 'anthropic-message.json';

// From `dist/` and from `src/` alike, `../src/__fixtures__` is the package's fixture folder.
const folder = new URL('../src/__fixtures__/', import.meta.url);

/** The fixture's text as recorded. */
export function anthropicFixture(name: AnthropicFixtureName): string {
  return readFileSync(new URL(name, folder), 'utf8');
}

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** The events of an SSE transcript (`event:` and one JSON `data:` line each), in order. */
export function sseEvents(transcript: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of transcript.split(/\r?\n\r?\n/)) {
    let event = 'message';
    let data = '';
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trim();
    }
    if (data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
  }
  return events;
}
