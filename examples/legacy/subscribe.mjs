// The legacy subscriptions-transport-ws client (subprotocol `graphql-ws`), for applications that
// have not moved to graphql-ws yet. Same URL, credentials and schema as the other examples.
import { SubscriptionClient } from 'subscriptions-transport-ws';
import WebSocket from 'ws';

const base = process.env.BLOBHUB_URL ?? 'http://localhost:4000';

const client = new SubscriptionClient(
  `${base.replace(/^http/, 'ws')}/v1/graphql`,
  { reconnect: true, connectionParams: { 'x-api-key': process.env.BLOBHUB_API_KEY } },
  WebSocket,
);
client.onConnected(() => console.error('connected'));

client
  .request({
    query: `subscription ($after: Cursor) {
      blobs(after: $after) { mutation node { id name description } updatedFields cursor }
    }`,
    variables: { after: process.env.BLOBHUB_AFTER || null },
  })
  .subscribe({
    next: ({ data, errors }) => (errors ? console.error(JSON.stringify(errors)) : console.log(JSON.stringify(data.blobs))),
    error: (err) => {
      console.error(err);
      process.exit(1);
    },
  });
