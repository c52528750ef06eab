// A stand-in for Anthropic's Messages API on 127.0.0.1, for driving the real Claude Code
// offline. The agent's own turns (requests that offer the `Write` or `Bash` tool: a reviewer's
// settings deny Write) get the scripted replies
// in order: `{ tool: 'Write', input: {...} }` becomes a `tool_use` block, `{ text }` an answer
// that ends the turn; a step's `before()` runs (and is awaited) before its reply goes out, so a
// test can act while the agent is mid-turn. Every other request (titles, summaries, classifiers)
// gets a short text.
// Each request is kept, so a test can read what the agent sent back (a hook's reason, say).
import { sendJson as send, startStandInServer } from './stand-in-server.mjs';

export async function startAnthropicStandIn(script) {
  let step = 0;
  const server = await startStandInServer(async (req, res, json) => {
    if (req.url.includes('count_tokens')) return send(res, 200, { input_tokens: 100 });
    if (!req.url.startsWith('/v1/messages')) return send(res, 404, { type: 'error', error: { type: 'not_found_error', message: req.url } });
    const isTurn = isAgentTurn(json);
    const reply = isTurn ? (script[step++] ?? { text: 'Done.' }) : { text: 'ok' };
    if (reply.before) await reply.before();
    const content = reply.tool ? [{ type: 'tool_use', id: `toolu_${step}`, name: reply.tool, input: reply.input }] : [{ type: 'text', text: reply.text }];
    const message = {
      id: `msg_${requests.length}`,
      type: 'message',
      role: 'assistant',
      model: json.model ?? 'claude',
      content,
      stop_reason: reply.tool ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 100, output_tokens: 10 },
    };
    if (!json.stream) return send(res, 200, message);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const event = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    event('message_start', { message: { ...message, content: [], stop_reason: null } });
    content.forEach((block, index) => {
      if (block.type === 'text') {
        event('content_block_start', { index, content_block: { type: 'text', text: '' } });
        event('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
      } else {
        event('content_block_start', { index, content_block: { ...block, input: {} } });
        event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
      }
      event('content_block_stop', { index });
    });
    event('message_delta', { delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: 10 } });
    event('message_stop', {});
    res.end();
  });
  const { requests } = server;
  return {
    url: server.origin,
    requests,
    /** The text of every message the agent's turns sent (user turns, tool results, hook feedback). */
    turnTexts: () => requests.filter((r) => isAgentTurn(r.body)).map((r) => JSON.stringify(r.body.messages ?? [])),
    /** The agent's turns that carried a tool result, with its text. */
    toolResults: () =>
      requests
        .flatMap((r) => (r.body.messages ?? []).flatMap((m) => (Array.isArray(m.content) ? m.content : []).filter((c) => c.type === 'tool_result')))
        .map((c) => (typeof c.content === 'string' ? c.content : JSON.stringify(c.content))),
    close: server.close,
  };
}

function isAgentTurn(body) {
  return (body.tools ?? []).some((t) => t.name === 'Write' || t.name === 'Bash');
}
