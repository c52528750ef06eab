// A stand-in for the Gemini API (`streamGenerateContent`, server-sent events) on 127.0.0.1, for
// driving the real Gemini CLI offline. Requests that offer the `write_file` tool are the agent's
// turns and get the scripted replies in order: `{ call: 'write_file', args }` becomes a
// `functionCall` part, `{ text }` an answer that ends the turn. Other requests (routing,
// summaries, token counts) get a short text. A step's `before()` runs (and is awaited) before its
// reply goes out, so a test can act while the agent is mid-turn. Requests are kept, so a test can
// read the function responses the CLI sent back (a hook's reason included).
import { sendJson as send, startStandInServer } from './stand-in-server.mjs';

export async function startGeminiStandIn(script) {
  let step = 0;
  const server = await startStandInServer(async (req, res, json) => {
    if (req.url.includes(':countTokens')) return send(res, 200, { totalTokens: 100 });
    if (!req.url.includes(':generateContent') && !req.url.includes(':streamGenerateContent')) return send(res, 404, { error: { code: 404, message: req.url } });
    const offersWrite = (json.tools ?? []).some((t) => (t.functionDeclarations ?? []).some((f) => f.name === 'write_file'));
    const reply = offersWrite ? (script[step++] ?? { text: 'Done.' }) : { text: '{"reasoning":"simple","model_choice":"flash"}' };
    if (reply.before) await reply.before();
    const parts = reply.call ? [{ functionCall: { name: reply.call, args: reply.args } }] : [{ text: reply.text }];
    const chunk = {
      candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 10, totalTokenCount: 110 },
      modelVersion: 'gemini-stand-in',
    };
    if (!req.url.includes(':streamGenerateContent')) return send(res, 200, chunk);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    res.end();
  });
  const { requests } = server;
  return {
    url: server.origin,
    requests,
    /** The agent's turns' contents, as text (prompts, hook feedback). */
    turnTexts: () =>
      requests
        .filter((r) => (r.body.tools ?? []).some((t) => (t.functionDeclarations ?? []).some((f) => f.name === 'write_file')))
        .map((r) => JSON.stringify(r.body.contents ?? [])),
    /** The function responses the CLI sent back, as text. */
    functionResponses: () =>
      requests.flatMap((r) =>
        (r.body.contents ?? []).flatMap((c) => (c.parts ?? []).filter((p) => p.functionResponse).map((p) => JSON.stringify(p.functionResponse.response))),
      ),
    close: server.close,
  };
}
