import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { SseEventSplitter, SseEventTooLargeError } from './sse-events.js';

const encoder = new TextEncoder();

/** eventsource-parser's reading of the same text: the reference for names and data. */
function reference(text: string): Array<{ event: string; data: string }> {
  const out: Array<{ event: string; data: string }> = [];
  const parser = createParser({
    onEvent: (event) => out.push({ event: event.event ?? '', data: event.data }),
  });
  parser.feed(text);
  return out;
}

describe('SseEventSplitter', () => {
  const body =
    'data: {"a":1}\n\n: comment\ndata: {"b":2}\n\nevent: message_start\ndata: {"type":"x"}\n\ndata: line1\ndata: line2\n\ndata: [DONE]\n\n';

  it('gives each event with its exact text, in any split of the bytes, and the same fields as eventsource-parser', () => {
    const bytes = encoder.encode(body);
    for (let cut = 1; cut < bytes.length; cut += 7) {
      const splitter = new SseEventSplitter();
      const events = [...splitter.push(bytes.subarray(0, cut)), ...splitter.push(bytes.subarray(cut))];
      expect(events.map((event) => event.raw).join('')).toBe(body);
      expect(splitter.idle).toBe(true);
      expect(events.map(({ event, data }) => ({ event, data }))).toEqual(reference(body));
    }
  });

  it('reads a one-line event with a CR inside as two lines, as eventsource-parser does', () => {
    const text = 'data: a\rdata: b\n\n';
    const events = new SseEventSplitter().push(text);
    expect(events.map(({ event, data }) => ({ event, data }))).toEqual(reference(text));
  });

  it('ends events on CRLF and CR blank lines too, and keeps a CR that may be half a CRLF', () => {
    const text = 'data: one\r\n\r\ndata: two\r\rdata: three\n\n';
    const splitter = new SseEventSplitter();
    const first = splitter.push('data: one\r\n\r');
    expect(first).toEqual([]);
    const rest = splitter.push(text.slice('data: one\r\n\r'.length));
    expect(rest.map((event) => event.raw).join('')).toBe(text);
    expect(rest.map((event) => event.data)).toEqual(['one', 'two', 'three']);
  });

  it('keeps an unfinished event for the next read and hands it back at the end', () => {
    const splitter = new SseEventSplitter();
    expect(splitter.push('data: {"a":1}\n\ndata: {"b"').map((event) => event.data)).toEqual(['{"a":1}']);
    expect(splitter.idle).toBe(false);
    expect(splitter.end()).toBe('data: {"b"');
  });

  it('decodes a UTF-8 character split across reads', () => {
    const bytes = encoder.encode('data: "é😀"\n\n');
    const splitter = new SseEventSplitter();
    const events = [...splitter.push(bytes.subarray(0, 8)), ...splitter.push(bytes.subarray(8))];
    expect(events[0]?.data).toBe('"é😀"');
  });

  it('refuses an event that grows past the limit', () => {
    const splitter = new SseEventSplitter(64);
    expect(() => splitter.push(`data: ${'x'.repeat(100)}`)).toThrow(SseEventTooLargeError);
  });
});
