// A browser page following blob changes with graphql-ws. Browsers cannot set headers on a
// WebSocket, so the credential travels as ?token= on the WebSocket URL (an API key, a PAT
// written <tokenId>.<secret>, or a JWT). Page parameters: ?token=...&server=ws://host:4000&after=<cursor>
import { createClient } from 'graphql-ws';

const params = new URLSearchParams(location.search);
const server = params.get('server') ?? 'ws://localhost:4000';
const status = document.getElementById('status');
const list = document.getElementById('changes');

const client = createClient({
  url: `${server}/v1/graphql?token=${encodeURIComponent(params.get('token') ?? '')}`,
  retryAttempts: Infinity,
  on: {
    connected: () => (status.textContent = 'connected'),
    closed: (e) => (status.textContent = `closed ${e.code} ${e.reason}`),
  },
});

const payload = {
  query: `subscription ($after: Cursor) {
    blobs(after: $after) { mutation node { id name description } updatedFields cursor }
  }`,
  variables: { after: params.get('after') },
};
client.subscribe(payload, {
  next({ data, errors }) {
    if (errors) return (status.textContent = errors.map((e) => e.message).join('; '));
    payload.variables.after = data.blobs.cursor; // reconnects resume after the last change shown
    const { mutation, node, updatedFields, cursor } = data.blobs;
    const item = document.createElement('li');
    item.textContent = `${cursor} ${mutation} ${node?.id ?? ''} ${node?.description ?? ''} ${updatedFields ?? ''}`;
    item.dataset.change = JSON.stringify(data.blobs);
    list.append(item);
  },
  error: (err) => (status.textContent = `error: ${JSON.stringify(err)}`),
  complete: () => {},
});
