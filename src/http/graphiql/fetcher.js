// The GraphiQL fetcher wired to this server: queries and mutations as POST /v1/graphql with the
// headers pane's JSON as HTTP headers; subscriptions over graphql-transport-ws on /v1/graphql of
// the same origin with the same JSON as connectionParams. A page opened with ?token=... (the
// browser credential form) sends that token on the WebSocket URL and then runs every operation
// over the WebSocket, since HTTP takes credentials only from headers.
import { parse } from 'graphql';
import { createClient } from 'graphql-ws';

// Decided from the text being sent, not GraphiQL's parsed document: that one is updated a
// moment after each edit, so a quick edit-and-run would otherwise pick the previous operation.
function isSubscription(query, documentAST, operationName) {
  let doc = documentAST;
  try {
    doc = parse(query);
  } catch {
    /* the server reports the syntax error */
  }
  const ops = (doc?.definitions ?? []).filter((d) => d.kind === 'OperationDefinition');
  const op = operationName ? ops.find((d) => d.name?.value === operationName) : ops.length === 1 ? ops[0] : undefined;
  return op?.operation === 'subscription';
}

// Strings only: HTTP headers cannot carry anything else, and connectionParams should say the same.
function headerObject(headers) {
  const out = {};
  if (headers && typeof headers === 'object' && !Array.isArray(headers)) {
    for (const [k, v] of Object.entries(headers)) {
      if (v !== undefined && v !== null) out[k] = typeof v === 'string' ? v : String(v);
    }
  }
  return out;
}

export function createFetcher({ location = window.location } = {}) {
  const token = new URLSearchParams(location.search).get('token');
  const wsBase = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/v1/graphql`;
  const wsUrl = token ? `${wsBase}?token=${encodeURIComponent(token)}` : wsBase;
  const httpUrl = `${location.origin}/v1/graphql`;
  // One client per distinct headers JSON: a change of the pane reconnects with the new params
  // (the server authenticates once per connection); the old client is closed.
  let client = null;
  let clientKey = null;

  function wsClient(headers) {
    const key = JSON.stringify(headers);
    if (client && clientKey === key) return client;
    if (client) client.dispose();
    clientKey = key;
    client = createClient({ url: wsUrl, connectionParams: headers, lazy: true, retryAttempts: 3 });
    return client;
  }

  function overWebSocket(params, headers) {
    return {
      subscribe(observer) {
        const dispose = wsClient(headers).subscribe(params, {
          next: (v) => observer.next?.(v),
          error: (e) => {
            const msg = e instanceof CloseEvent ? `Socket closed: ${e.code} ${e.reason || ''}`.trim()
              : Array.isArray(e) ? e.map((x) => x.message).join('; ') : String(e?.message ?? e);
            observer.error?.(new Error(msg));
          },
          complete: () => observer.complete?.(),
        });
        return { unsubscribe: dispose };
      },
    };
  }

  return async function fetcher(params, opts) {
    const headers = headerObject(opts?.headers);
    if (token || isSubscription(params.query, opts?.documentAST, params.operationName)) return overWebSocket(params, headers);
    const r = await fetch(httpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json;q=0.9',
        ...headers,
      },
      body: JSON.stringify(params),
    });
    const text = await r.text();
    try {
      return JSON.parse(text);
    } catch {
      return { errors: [{ message: `HTTP ${r.status}: ${text}` }] };
    }
  };
}
