// A minimal WebDriver (classic, W3C) HTTP client: only the commands the smoke test needs.
// https://www.w3.org/TR/webdriver2/

/** The W3C key codes for the keys the smoke test presses. */
const KEYS = { End: '\uE010', Home: '\uE011', ArrowRight: '\uE014', ArrowLeft: '\uE012' };
/** The W3C name of the property that holds an element reference. */
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class WebDriverSession {
  constructor(endpoint, id) {
    this.endpoint = endpoint;
    this.id = id;
  }

  /** POST /session with these capabilities (alwaysMatch). */
  static async create(endpoint, capabilities) {
    const value = await send(endpoint, 'POST', '/session', { capabilities: { alwaysMatch: capabilities } });
    const session = new WebDriverSession(endpoint, value.sessionId);
    session.capabilities = value.capabilities;
    return session;
  }

  cmd(method, path, body) {
    return send(this.endpoint, method, `/session/${this.id}${path}`, body);
  }

  goto(url) {
    return this.cmd('POST', '/url', { url });
  }

  /** Runs a function body in the page (its `arguments` are `args`) and returns its result. */
  run(body, args = []) {
    return this.cmd('POST', '/execute/sync', { script: body, args });
  }

  async find(selector) {
    const value = await this.cmd('POST', '/element', { using: 'css selector', value: selector });
    return value[ELEMENT];
  }

  /** Element Send Keys: text for a text field, a path for a file input, or a named key. */
  async sendKeys(selector, text) {
    const el = await this.find(selector);
    await this.cmd('POST', `/element/${el}/value`, { text: KEYS[text] ?? text });
  }

  close() {
    return this.cmd('DELETE', '');
  }
}

async function send(endpoint, method, path, body) {
  const res = await fetch(`${endpoint}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`WebDriver ${method} ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
  }
  const value = json?.value;
  if (!res.ok || (value && typeof value === 'object' && typeof value.error === 'string')) {
    throw new Error(`WebDriver ${method} ${path}: ${value?.error ?? res.status}: ${value?.message ?? text.slice(0, 200)}`);
  }
  return value;
}

/** Polls GET /status until the driver says it is ready. */
export async function waitReady(endpoint, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const value = await send(endpoint, 'GET', '/status');
      if (value?.ready !== false) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`WebDriver at ${endpoint} did not answer within ${timeoutMs / 1000} s`);
}
