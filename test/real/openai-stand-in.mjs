// A stand-in for OpenAI's Responses API on 127.0.0.1, for driving the real Codex CLI offline.
// Each request gets the next scripted reply:
// `{ patch: '*** Begin Patch …' }` becomes an `apply_patch` custom tool call (how Codex's bundled
// models edit files), `{ command: 'rm -f …' }` an `exec_command` function call (how they run a
// shell command), `{ text }` an assistant message that ends the turn. Other requests (titles,
// summaries) are not told apart: the script is written for the requests Codex makes.
// A step's `before()` runs (and is awaited) before its reply goes out, so a test can act while the
// agent is mid-turn. Requests are kept, so a test can read the tool outputs.
import { sendJson as send, startStandInServer } from './stand-in-server.mjs';

export async function startOpenAIStandIn(script) {
  let step = 0;
  const server = await startStandInServer(async (req, res, json) => {
    if (req.method === 'GET' && req.url.includes('/models')) return send(res, 200, { object: 'list', data: [], models: [] });
    if (!req.url.includes('/responses')) return send(res, 404, { error: { message: req.url } });
    // Codex asks its model for a title for the task alongside the turn: not a step of it.
    const last = Array.isArray(json.input) ? json.input.at(-1) : undefined;
    const aside = JSON.stringify(last?.content ?? '').includes('Generate a concise, single-line task title');
    // Codex runs tools only once its execution environment is up, and says so to the model
    // when a call comes first: as a model would, ask again (a real one is never that quick).
    const notReady = !aside && /_call_output$/.test(last?.type ?? '') && String(last.output).startsWith('No usable execution environment');
    if (notReady) step--;
    const reply = aside ? { text: 'Task' } : (script[step++] ?? { text: 'Done.' });
    if (reply.before) await reply.before();
    respond(res, reply, json, `resp_${server.requests.length}`, step);
  });
  function respond(res, reply, json, id, step) {
    const item = reply.patch
      ? { type: 'custom_tool_call', id: `ctc_${step}`, call_id: `call_${step}`, name: 'apply_patch', input: reply.patch, status: 'completed' }
      : reply.command
        ? {
            type: 'function_call',
            id: `fc_${step}`,
            call_id: `call_${step}`,
            name: 'exec_command',
            arguments: JSON.stringify({ cmd: reply.command }),
            status: 'completed',
          }
        : { type: 'message', id: `msg_${step}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: reply.text, annotations: [] }] };
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const event = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    const response = { id, object: 'response', created_at: Math.floor(Date.now() / 1000), status: 'in_progress', model: json.model, output: [] };
    event('response.created', { response });
    event('response.output_item.added', { output_index: 0, item });
    event('response.output_item.done', { output_index: 0, item });
    event('response.completed', {
      response: {
        ...response,
        status: 'completed',
        output: [item],
        usage: {
          input_tokens: 100,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: 10,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: 110,
        },
      },
    });
    res.end();
  }
  const { requests } = server;
  return {
    url: `${server.origin}/v1`,
    requests,
    /** Every request's input, as text (what Codex sent its model: prompts, hook feedback). */
    inputs: () => requests.map((r) => JSON.stringify(r.body.input ?? '')),
    /** What Codex sent back for each tool call (its output, a hook's reason included). */
    toolOutputs: () =>
      requests.flatMap((r) =>
        (Array.isArray(r.body.input) ? r.body.input : [])
          .filter((i) => /_output$/.test(i.type ?? ''))
          .map((i) => (typeof i.output === 'string' ? i.output : JSON.stringify(i.output))),
      ),
    close: server.close,
  };
}
