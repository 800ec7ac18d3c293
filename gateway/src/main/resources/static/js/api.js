// The piti-serve REST API v1 as the playground uses it: every call carries the API key as a
// Bearer token, errors become ApiError with the Problem Details of the answer.

/** An answer that was not 2xx, with its RFC 9457 Problem Details (or what could be made of it). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  /** The stable `code` member, e.g. `unknown_palette_colour`. */
  get code() {
    return this.problem.code || '';
  }
}

export class PitiClient {
  /** @param {() => string} apiKey where the current API key is read from at each call */
  constructor(apiKey, base = '') {
    this.apiKey = apiKey;
    this.base = base;
  }

  headers(extra = {}) {
    const key = this.apiKey().trim();
    return key ? { Authorization: `Bearer ${key}`, ...extra } : { ...extra };
  }

  async request(method, path, { body, headers, signal } = {}) {
    let response;
    try {
      response = await fetch(this.base + path, { method, body, signal, headers: this.headers(headers) });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, { title: 'Network error', detail: `the gateway did not answer (${e.message})`, code: 'network_error' });
    }
    if (!response.ok) {
      throw new ApiError(response.status, await problemOf(response));
    }
    return response;
  }

  async json(method, path, options) {
    return (await this.request(method, path, options)).json();
  }

  models() {
    return this.json('GET', '/v1/models');
  }

  /** POST /v1/translations as multipart: the image file as `input`, the parameters as a JSON `params` part. */
  submit(input, filename, params) {
    const form = new FormData();
    form.append('input', input, filename);
    form.append('params', new Blob([JSON.stringify(params)], { type: 'application/json' }));
    return this.json('POST', '/v1/translations', { body: form });
  }

  get(id) {
    return this.json('GET', `/v1/translations/${encodeURIComponent(id)}`);
  }

  cancel(id) {
    return this.json('POST', `/v1/translations/${encodeURIComponent(id)}/cancel`);
  }

  /**
   * Follows GET /v1/translations/{id}/events. EventSource cannot send an Authorization header, so
   * the stream is read with fetch and parsed here. Calls onEvent(name, job) for every event and
   * resolves when the server ends the stream (after the terminal event) or `signal` aborts.
   */
  async follow(id, onEvent, signal) {
    const response = await this.request('GET', `/v1/translations/${encodeURIComponent(id)}/events`, {
      headers: { Accept: 'text/event-stream' },
      signal,
    });
    const parser = new EventStreamParser((name, data) => {
      let job;
      try {
        job = JSON.parse(data);
      } catch {
        return; // not a job resource: nothing the page can show
      }
      onEvent(name, job);
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(value);
    }
    parser.end();
  }
}

/**
 * Incremental text/event-stream parser (the WHATWG rules the page needs): lines end with CRLF, LF
 * or CR; `event` and `data` fields; a blank line dispatches; comments (`:`) are ignored.
 */
export class EventStreamParser {
  constructor(dispatch) {
    this.dispatch = dispatch;
    this.buffer = '';
    this.event = '';
    this.data = [];
  }

  push(text) {
    this.buffer += text;
    let match;
    // A lone CR at the very end may be the first half of CRLF: wait for the next chunk.
    while ((match = /\r\n|\n|\r(?!$)/.exec(this.buffer)) !== null) {
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      this.line(line);
    }
  }

  end() {
    if (this.buffer) this.line(this.buffer.replace(/\r$/, ''));
    this.buffer = '';
    this.line('');
  }

  line(line) {
    if (line === '') {
      if (this.data.length) this.dispatch(this.event || 'message', this.data.join('\n'));
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}

async function problemOf(response) {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    if (body && typeof body === 'object') return body;
  } catch {
    // not JSON: fall through
  }
  return { status: response.status, title: response.statusText || `HTTP ${response.status}`, detail: text.slice(0, 300) };
}
