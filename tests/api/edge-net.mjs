// Raw-socket helpers for the HTTP edge tests (edge*.test.mjs): exact bytes
// out, every byte back, and requests from chosen loopback source addresses
// (Linux routes all of 127.0.0.0/8 to lo).
import { connect } from 'node:net';
import { request } from 'node:http';

// Writes `data` (string or Buffer, or an array of them written in turn) and
// collects what comes back until the server closes or `ms` pass.
export function exchange(port, data, { ms = 4000, from } = {}) {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1', localAddress: from });
    let got = Buffer.alloc(0), done = false;
    const finish = (why) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ text: got.toString('latin1'), why });
    };
    const timer = setTimeout(() => finish('timeout'), ms);
    sock.on('data', (d) => { got = Buffer.concat([got, d]); });
    sock.on('end', () => finish('closed'));
    sock.on('close', () => finish('closed'));
    sock.on('error', () => finish('error'));
    for (const part of [].concat(data)) sock.write(part);
  });
}

// Splits the first answer in a response text; counts every status line.
export function parse(text) {
  const statusLines = text.match(/HTTP\/1\.[01] \d{3} /g) || [];
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3}) /.exec(lines[0] || '');
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = end < 0 ? '' : text.slice(end + 4);
  if (headers['content-length'] !== undefined) body = body.slice(0, Number(headers['content-length']));
  let json = null;
  try { json = JSON.parse(body); } catch { json = null; }
  return { status: m ? Number(m[1]) : null, statusLines: statusLines.length, headers, body, json };
}

// One HTTP request from a chosen source address over a fresh connection.
export function call(port, method, path, { from = '127.0.0.1', headers = {}, body, agent = false } = {}) {
  return new Promise((resolve) => {
    const h = { ...headers };
    let payload;
    if (body !== undefined) { payload = JSON.stringify(body); h['Content-Type'] = 'application/json'; }
    const req = request({ host: '127.0.0.1', port, method, path, headers: h, localAddress: from, agent }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(text); } catch { json = null; }
        resolve({ status: res.statusCode, headers: res.headers, json, text });
      });
    });
    req.on('error', (e) => resolve({ status: 0, error: e.code || String(e) }));
    req.end(payload);
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
