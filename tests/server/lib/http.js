// Plain HTTP for the tests, from a chosen loopback source address (127.0.0.2 plays a second
// machine: Linux routes all of 127/8 to lo), with no connection pooling.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';

// One request on its own connection. Resolves {status, headers, text, ms}; rejects on a
// network error or after timeoutMs.
export function request(port, path, { method = 'GET', headers = {}, body, from = '127.0.0.1', timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const data = body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body));
    const h = { ...headers };
    if (data !== undefined && h['content-type'] === undefined) h['content-type'] = 'application/json';
    if (data !== undefined) h['content-length'] = Buffer.byteLength(data);
    const req = http.request({ host: '127.0.0.1', port, path, method, agent: false, localAddress: from, headers: h });
    const timer = setTimeout(() => { req.destroy(new Error(`no answer to ${method} ${path} from ${from} within ${timeoutMs} ms`)); }, timeoutMs);
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString(), ms: Date.now() - t0 });
      });
      res.on('error', (e) => { clearTimeout(timer); reject(e); });
    });
    req.on('error', (e) => { clearTimeout(timer); reject(e); });
    req.end(data);
  });
}

// A raw TCP connection from `from`; resolves once connected. The socket collects what it
// receives in sock.received (a string) and notes its end in sock.ended.
export function rawConnect(port, from = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: from });
    s.received = '';
    s.ended = false;
    s.on('data', (d) => { s.received += d.toString('latin1'); });
    s.on('end', () => { s.ended = true; });
    s.on('close', () => { s.ended = true; });
    s.on('error', () => { s.ended = true; });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

// Sends raw bytes on a new connection and collects everything until the server closes it
// (or timeoutMs). Resolves {text, closed}.
export function rawExchange(port, bytes, { from = '127.0.0.1', timeoutMs = 3000 } = {}) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: from });
    let text = '';
    const timer = setTimeout(() => { s.destroy(); resolve({ text, closed: false }); }, timeoutMs);
    s.on('connect', () => s.write(bytes));
    s.on('data', (d) => { text += d.toString('latin1'); });
    const done = () => { clearTimeout(timer); resolve({ text, closed: true }); };
    s.on('close', done);
    s.on('error', () => {});
  });
}

// The HTTP status codes of the answers in a raw response stream, in order.
export function statuses(text) {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
}

// The resident memory of a process, in KiB.
export function rssKiB(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(text);
  return m ? Number(m[1]) : 0;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
