// The page's text/event-stream parser (it reads the job's events with fetch, since EventSource
// cannot send an Authorization header), fed the way a network delivers bytes: in arbitrary chunks.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { EventStreamParser } from '../../gateway/src/main/resources/static/js/api.js';

function parse(chunks) {
  const events = [];
  const parser = new EventStreamParser((name, data) => events.push([name, data]));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return events;
}

const STREAM = 'id:1\nevent:queued\ndata:{"status":"queued"}\n\n'
  + ': keep-alive comment\n\n'
  + 'id:2\r\nevent: progress\r\ndata:{"a":1,\r\ndata: "b":2}\r\n\r\n'
  + 'event:succeeded\rdata:{"status":"succeeded"}\r\r';

const EXPECTED = [
  ['queued', '{"status":"queued"}'],
  ['progress', '{"a":1,\n"b":2}'],
  ['succeeded', '{"status":"succeeded"}'],
];

describe('event stream parser', () => {
  test('events, multi-line data and comments come out as the server wrote them', () => {
    assert.deepEqual(parse([STREAM]), EXPECTED);
  });

  test('every way of cutting the stream into two chunks gives the same events', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      assert.deepEqual(parse([STREAM.slice(0, cut), STREAM.slice(cut)]), EXPECTED, `cut at ${cut}`);
    }
  });

  test('a stream cut one character at a time gives the same events', () => {
    assert.deepEqual(parse([...STREAM]), EXPECTED);
  });

  test('an event without data is not dispatched and an unnamed one is a message', () => {
    assert.deepEqual(parse(['event:progress\n\n', 'data:x\n\n']), [['message', 'x']]);
  });

  test('the last event is dispatched when the stream ends without a blank line', () => {
    assert.deepEqual(parse(['event:cancelled\ndata:{}']), [['cancelled', '{}']]);
  });
});
