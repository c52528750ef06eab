// What every model API stand-in shares: an HTTP server on 127.0.0.1 (a free port) that parses
// each request's JSON body, keeps every request (for the test to read what the agent sent
// back), and hands it to the API's own `answer(req, res, json)`.
import { createServer } from 'node:http';

export async function startStandInServer(answer) {
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const json = body ? JSON.parse(body) : {};
      requests.push({ url: req.url, body: json });
      // An answer may wait for the test (a step's `before`); a failure there is the test's, shown as a 500.
      Promise.resolve(answer(req, res, json)).catch((error) => sendJson(res, 500, { error: { message: String(error) } }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

export function sendJson(res, status, json) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(json));
}
