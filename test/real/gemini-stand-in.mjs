// A stand-in for the Gemini API (`streamGenerateContent`, server-sent events) on 127.0.0.1, for
// driving the real Gemini CLI offline. Requests that offer the `write_file` tool are the agent's
// turns and get the scripted replies in order: `{ call: 'write_file', args }` becomes a
// `functionCall` part, `{ text }` an answer that ends the turn. Other requests (routing,
// summaries, token counts) get a short text. Requests are kept, so a test can read the
// function responses the CLI sent back (a hook's reason included).
import { createServer } from 'node:http';

export async function startGeminiStandIn(script) {
  const requests = [];
  let step = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const json = body ? JSON.parse(body) : {};
      requests.push({ url: req.url, body: json });
      if (req.url.includes(':countTokens')) return send(res, 200, { totalTokens: 100 });
      if (!req.url.includes(':generateContent') && !req.url.includes(':streamGenerateContent')) return send(res, 404, { error: { code: 404, message: req.url } });
      const offersWrite = (json.tools ?? []).some((t) => (t.functionDeclarations ?? []).some((f) => f.name === 'write_file'));
      const reply = offersWrite ? (script[step++] ?? { text: 'Done.' }) : { text: '{"reasoning":"simple","model_choice":"flash"}' };
      const parts = reply.call ? [{ functionCall: { name: reply.call, args: reply.args } }] : [{ text: reply.text }];
      const chunk = { candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 10, totalTokenCount: 110 }, modelVersion: 'gemini-stand-in' };
      if (!req.url.includes(':streamGenerateContent')) return send(res, 200, chunk);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    /** The function responses the CLI sent back, as text. */
    functionResponses: () => requests.flatMap((r) => (r.body.contents ?? []).flatMap((c) => (c.parts ?? []).filter((p) => p.functionResponse).map((p) => JSON.stringify(p.functionResponse.response)))),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function send(res, status, json) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(json));
}
