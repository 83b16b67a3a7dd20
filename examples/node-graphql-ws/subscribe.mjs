// Follows blob changes with the official graphql-ws client and resumes after any reconnect (a
// server restart, a dropped network) from the last change it saw: the cursor lives in the
// subscribe payload's variables, and graphql-ws sends that same payload again on every retry.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const base = process.env.BLOBHUB_URL ?? 'http://localhost:4000';

const client = createClient({
  url: `${base.replace(/^http/, 'ws')}/v1/graphql`,
  webSocketImpl: WebSocket, // Node 20 has no global WebSocket
  connectionParams: { 'x-api-key': process.env.BLOBHUB_API_KEY },
  retryAttempts: Infinity, // a long-lived subscriber never gives up
  on: {
    connected: () => console.error('connected'),
    closed: (e) => console.error(`closed ${e.code} ${e.reason}`),
  },
});

const payload = {
  query: `subscription ($after: Cursor) {
    blobs(after: $after) { mutation node { id name description } updatedFields cursor }
  }`,
  variables: { after: process.env.BLOBHUB_AFTER || null }, // null: from now on
};

client.subscribe(payload, {
  next({ data, errors }) {
    if (errors) return console.error(JSON.stringify(errors));
    payload.variables.after = data.blobs.cursor; // a retry resumes right after this change
    console.log(JSON.stringify(data.blobs));
  },
  error(err) {
    console.error(err);
    process.exit(1);
  },
  complete: () => process.exit(0),
});
